package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import org.apache.flink.core.execution.JobClient;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A layer's streaming job on the cluster, and the savepoint or checkpoint it resumed from.
 *
 * @param adopted the job was already running (an earlier Weir process submitted it), not submitted now
 */
public record RunningLayer(LayerConf layer, JobClient job, Optional<String> restoredFrom, String savepointsDir,
        boolean adopted) {

    /** Cancels the job without a savepoint, waiting up to a minute for the cluster to confirm it. */
    void cancel() throws Exception {
        job.cancel().get(60, TimeUnit.SECONDS);
    }
}
