package io.weir.runner.session;

import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.sandbox.EmbeddedMariaDb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A source that cannot be read is refused before any job starts; one that goes away under a running
 * job fails the layer with its cause once the restarts are used up.
 */
class FailingJobTest {

    @TempDir Path dir;

    @Test
    void anUnreachableSourceIsRefusedBeforeAnyJobStarts() throws Exception {
        // Bound but never listening: connections are refused, and no other server can take the port
        // meanwhile (a port merely freed can be taken by the cluster's own servers).
        try (java.net.Socket reserved = new java.net.Socket()) {
            reserved.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int deadPort = reserved.getLocalPort();
            PipelineConf conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, deadPort, "order_dw")));
            try (FlinkSession session = FlinkSession.start(conf.flink())) {
                WeirException e = assertThrows(WeirException.class,
                        () -> new StreamRunner(conf, session).start(List.of(conf.layer("ods_orders")), false));
                assertEquals(WeirException.BAD_INPUT, e.exitCode());
                assertTrue(e.getMessage().endsWith("ods_orders.sql: table mysql_orders: MySQL at 127.0.0.1:" + deadPort
                        + ": cannot connect: the server is unreachable (Communications link failure)"), e.getMessage());
                assertTrue(session.jobs().list().isEmpty(), "no job was submitted: " + session.jobs().list());
            }
        }
    }

    @Test
    void aSourceThatGoesAwayFailsTheLayerWithItsCause() throws Exception {
        EmbeddedMariaDb mariaDb = SampleSource.start(dir);
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), "order_dw")));
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            RunningStream stream = new StreamRunner(conf, session).start(List.of(conf.layer("ods_orders")), false);
            stream.awaitRunning(Duration.ofMinutes(1), Duration.ofMillis(200));
            mariaDb.close();
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (true) {
                try {
                    stream.checkHealthy();
                } catch (WeirException e) {
                    assertEquals(WeirException.JOB_FAILURE, e.exitCode());
                    assertTrue(e.getMessage().startsWith("layer 'ods_orders' failed: "), e.getMessage());
                    assertTrue(!e.getMessage().contains("s3cr3t-pw"), "no secret in the message");
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    fail("the failing layer was not reported within 2 minutes");
                }
                Thread.sleep(200);
            }
        } finally {
            mariaDb.close();
        }
    }
}
