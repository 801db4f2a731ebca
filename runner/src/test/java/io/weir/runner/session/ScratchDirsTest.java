package io.weir.runner.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a killed Weir left in the temp dir is removed; a live process's scratch and other files stay. */
class ScratchDirsTest {

    @TempDir Path tmp;

    @Test
    void removesTheScratchOfProcessesThatAreGone() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path dead = Files.createDirectories(tmp.resolve("weir-flink-" + ended.pid() + "/blobStorage"));
        Files.write(dead.resolve("flink-rpc-akka.jar"), new byte[1024]);
        Path alive = Files.createDirectories(tmp.resolve("weir-flink-" + ProcessHandle.current().pid()));
        Path other = Files.createDirectories(tmp.resolve("weir-flink-notapid"));
        Path unrelated = Files.createFile(tmp.resolve("liblz4-java.so"));

        ScratchDirs.removeDeadOwners(tmp);

        assertFalse(Files.exists(dead.getParent()), "the killed process's scratch is gone");
        assertTrue(Files.exists(alive) && Files.exists(other) && Files.exists(unrelated));
    }
}
