package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A job that cannot run is reported with its cause once its restarts are used up. */
class FailingJobTest {

    @TempDir Path dir;

    @Test
    void unreachableSourceFailsTheLayerWithItsCause() throws Exception {
        // Bound but never listening: connections are refused, and no other server can take the port
        // meanwhile (a port merely freed can be taken by the cluster's own servers).
        try (java.net.Socket reserved = new java.net.Socket()) {
            reserved.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            runAgainstDeadSource(reserved.getLocalPort());
        }
    }

    private void runAgainstDeadSource(int deadPort) throws Exception {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, deadPort, "order_dw")));
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            RunningStream stream = new StreamRunner(conf, session).start(List.of(conf.layer("ods_orders")), false);
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (true) {
                try {
                    stream.checkHealthy();
                } catch (WeirException e) {
                    assertEquals(WeirException.JOB_FAILURE, e.exitCode());
                    assertTrue(e.getMessage().startsWith("layer 'ods_orders' failed: "), e.getMessage());
                    assertTrue(e.getMessage().contains("Communications link failure")
                            || e.getMessage().contains("Connection refused"), e.getMessage());
                    assertTrue(!e.getMessage().contains("s3cr3t-pw"), "no secret in the message");
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    fail("the failing layer was not reported within 2 minutes");
                }
                Thread.sleep(200);
            }
        }
    }
}
