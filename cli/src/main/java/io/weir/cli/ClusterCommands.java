package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import io.weir.runner.session.FlinkSession;

import java.util.List;

/** What weir jobs and weir stop share: the remote cluster and the pipeline's jobs on it. */
final class ClusterCommands {

    private ClusterCommands() {}

    static FlinkSession remoteSession(PipelineConf pipeline, String command) {
        if (pipeline.flink().target() != FlinkTarget.REMOTE) {
            throw WeirException.badInput(command + " works on a Flink cluster (flink.target: remote). The embedded"
                    + " cluster lives inside its weir stream process: Ctrl-C there stops its jobs with savepoints");
        }
        return FlinkSession.start(pipeline.flink());
    }

    /** The pipeline's jobs, all of them or those of the named layers (or serving syncs, serve_<table>). */
    static List<ClusterJob> jobsOf(PipelineConf pipeline, List<ClusterJob> jobs, List<String> names) {
        if (names != null) {
            for (String name : names) {
                if (!name.startsWith("serve_")) {
                    pipeline.layer(name);
                }
            }
        }
        return jobs.stream().filter(j -> j.identity().map(i -> i.pipeline().equals(pipeline.name())).orElse(false))
                .filter(j -> names == null || names.contains(j.identity().orElseThrow().job())).toList();
    }
}
