package io.weir.runner.session;

import io.weir.runner.conf.FlinkConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** flink.target 'remote': Weir starts no cluster and submits its jobs to the given REST address. */
class RemoteClusterTest {

    @Test
    void jobsGoToTheRemoteCluster() throws Exception {
        Configuration clusterConf = new Configuration();
        clusterConf.set(RestOptions.BIND_PORT, "0");
        try (MiniCluster remote = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(clusterConf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            remote.start();
            URI rest = remote.getRestAddress().get();
            FlinkConf conf = new FlinkConf(FlinkTarget.REMOTE, rest.getHost() + ":" + rest.getPort(), 8081, 4, 1,
                    Duration.ofSeconds(1), "file:///tmp/unused", Duration.ofSeconds(1), Duration.ZERO, 0, Duration.ofSeconds(1),
                    List.of(), Map.of());
            try (FlinkSession session = FlinkSession.start(conf)) {
                assertFalse(session.embedded());
                assertEquals("http://" + rest.getHost() + ":" + rest.getPort(), session.webUrl());
                TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH, new Configuration());
                tEnv.executeSql("CREATE TEMPORARY TABLE src (v BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10')");
                tEnv.executeSql("CREATE TEMPORARY TABLE sink (v BIGINT) WITH ('connector' = 'blackhole')");
                tEnv.executeSql("INSERT INTO sink SELECT v FROM src").await();
            }
            Collection<JobStatusMessage> jobs = remote.listJobs().get();
            assertEquals(1, jobs.size(), "the job ran on the remote cluster: " + jobs);
            assertTrue(jobs.iterator().next().getJobState().isGloballyTerminalState());
        }
    }
}
