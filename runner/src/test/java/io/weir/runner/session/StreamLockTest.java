package io.weir.runner.session;

import io.weir.runner.WeirException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamLockTest {

    @TempDir Path dir;

    @Test
    void aSecondProcessIsRefusedUntilTheFirstDiesEvenByKill9() throws Exception {
        String root = dir.resolve("pipeline/dws_users").toString();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), root)
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), "the child process took the lock");

            WeirException refused = assertThrows(WeirException.class, () -> StreamLock.acquire("dws_users", root));
            assertEquals(WeirException.BAD_INPUT, refused.exitCode());
            assertTrue(refused.getMessage().startsWith("layer 'dws_users' is already streaming in process "
                    + holder.pid() + " on "), refused.getMessage());
            assertTrue(refused.getMessage().contains("two streams of one layer write every change twice"),
                    refused.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        try (StreamLock lock = StreamLock.acquire("dws_users", root)) {
            // a lock dies with its process: nothing stale to clear after a kill -9
        }
    }

    @Test
    void oneProcessHoldsALayerOnceAndReleasesItOnClose() {
        String root = dir.resolve("p/ods_orders").toString();
        StreamLock first = StreamLock.acquire("ods_orders", "file://" + root);
        WeirException refused = assertThrows(WeirException.class, () -> StreamLock.acquire("ods_orders", root));
        assertTrue(refused.getMessage().contains("in process " + ProcessHandle.current().pid()), refused.getMessage());
        StreamLock.acquire("dws_users", dir.resolve("p/dws_users").toString()).close();
        first.close();
        first.close();
        StreamLock.acquire("ods_orders", root).close();
    }

    /** Holds a layer's lock in a process of its own until killed (or its stdin closes). */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            StreamLock.acquire("dws_users", args[0]);
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // blocks: the parent never writes, and kills this process
            }
        }
    }
}
