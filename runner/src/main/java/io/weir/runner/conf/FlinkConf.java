package io.weir.runner.conf;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Where and how Weir runs its Flink jobs. */
public record FlinkConf(
        WeirOptions.FlinkTarget target,
        String address,
        int webUiPort,
        int taskSlots,
        int parallelism,
        Duration checkpointInterval,
        String stateDir,
        Duration sourceIdleTimeout,
        Duration quietTimeout,
        int restartAttempts,
        Duration restartDelay,
        List<String> jars,
        Map<String, String> options) {

    public FlinkConf withStateDir(String dir) {
        return new FlinkConf(target, address, webUiPort, taskSlots, parallelism, checkpointInterval, dir,
                sourceIdleTimeout, quietTimeout, restartAttempts, restartDelay, jars, options);
    }

    public FlinkConf withParallelism(int newParallelism) {
        return new FlinkConf(target, address, webUiPort, taskSlots, newParallelism, checkpointInterval, stateDir,
                sourceIdleTimeout, quietTimeout, restartAttempts, restartDelay, jars, options);
    }

    public FlinkConf withWebUiPort(int port) {
        return new FlinkConf(target, address, port, taskSlots, parallelism, checkpointInterval, stateDir,
                sourceIdleTimeout, quietTimeout, restartAttempts, restartDelay, jars, options);
    }

    /**
     * The same settings aimed at the REST endpoint of a running cluster: how a process that did not
     * start the embedded cluster reaches the one a weir stream process runs on its web UI port.
     */
    public FlinkConf asRemote(String newAddress) {
        return new FlinkConf(WeirOptions.FlinkTarget.REMOTE, newAddress, webUiPort, taskSlots, parallelism,
                checkpointInterval, stateDir, sourceIdleTimeout, quietTimeout, restartAttempts, restartDelay, jars, options);
    }
}
