package io.weir.runner.lake;

import org.apache.flink.core.fs.Path;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where an operating-system lock on a directory of Weir's lives: in the directory itself when it is
 * on a local file system, which every process that uses it shares; for a remote one, in the local
 * temp dir, which guards this host only.
 */
public final class LockFiles {

    private LockFiles() {}

    public static java.nio.file.Path fileFor(String root, String name) {
        Path path = new Path(root);
        String scheme = path.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) {
            return java.nio.file.Path.of(path.toUri().getPath(), name);
        }
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "weir-locks", sha256(root) + "-" + name);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
