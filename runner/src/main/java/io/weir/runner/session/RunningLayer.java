package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import org.apache.flink.core.execution.JobClient;

import java.util.Optional;

/** A layer's streaming job on the cluster, and the savepoint or checkpoint it resumed from. */
public record RunningLayer(LayerConf layer, JobClient job, Optional<String> restoredFrom, String savepointsDir) {}
