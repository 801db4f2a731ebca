package io.weir.runner.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * The embedded Flink cluster's scratch directory, {@code <tmp>/weir-flink-<pid>}: one per process,
 * so the directories of processes that are gone (killed with -9, which runs no cleanup) are known
 * and removed when the next Weir process starts its cluster.
 */
final class ScratchDirs {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchDirs.class);
    private static final String PREFIX = "weir-flink-";

    private ScratchDirs() {}

    /** This process's scratch directory, after removing those whose process is gone. */
    static synchronized Path claim() {
        Path root = Path.of(System.getProperty("java.io.tmpdir"));
        removeDeadOwners(root);
        Path mine = root.resolve(PREFIX + ProcessHandle.current().pid());
        try {
            Files.createDirectories(mine);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create Flink's scratch directory " + mine, e);
        }
        return mine;
    }

    /** Removes this process's scratch directory once its cluster stopped. */
    static synchronized void release() {
        delete(Path.of(System.getProperty("java.io.tmpdir"), PREFIX + ProcessHandle.current().pid()));
    }

    static void removeDeadOwners(Path root) {
        try (Stream<Path> children = Files.list(root)) {
            children.filter(p -> p.getFileName().toString().startsWith(PREFIX)).forEach(dir -> {
                String pid = dir.getFileName().toString().substring(PREFIX.length());
                if (pid.chars().allMatch(Character::isDigit) && !pid.isEmpty()
                        && ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true)) {
                    delete(dir);
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", root, e.getMessage());
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", dir, e.getMessage());
        }
    }
}
