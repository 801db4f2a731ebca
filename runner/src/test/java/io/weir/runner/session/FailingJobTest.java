package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A source that cannot be read is refused before any job starts, with its cause. */
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
}
