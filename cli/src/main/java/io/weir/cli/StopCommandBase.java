package io.weir.cli;

import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.LayerState;
import io.weir.runner.WeirException;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** weir stop and weir savepoint: savepoints of the pipeline's jobs on the cluster, stopping them or not. */
abstract class StopCommandBase implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-l", "--layer"}, paramLabel = "LAYER",
            description = "Layer (or serving sync, serve_<table>) to stop; repeatable (default: all).")
    List<String> layers;

    abstract boolean keepRunning();

    @Override
    public Integer call() {
        boolean savepointOnly = keepRunning();
        PipelineConf pipeline = conf.load();
        PrintWriter out = spec.commandLine().getOut();
        try (FlinkSession session = ClusterCommands.remoteSession(pipeline, savepointOnly ? "weir savepoint" : "weir stop")) {
            List<ClusterJob> jobs = ClusterCommands.jobsOf(pipeline, session.jobs().list(), layers).stream()
                    .filter(ClusterJob::active).toList();
            if (jobs.isEmpty()) {
                out.println("No job of pipeline " + pipeline.name() + " runs on " + session.webUrl() + ".");
                return 0;
            }
            Map<String, CompletableFuture<String>> pending = new LinkedHashMap<>();
            for (ClusterJob job : jobs) {
                String name = job.identity().orElseThrow().job();
                String dir = new LayerState(pipeline, name).savepointsDir();
                pending.put(name, savepointOnly
                        ? session.attach(job.id()).triggerSavepoint(dir, SavepointFormatType.CANONICAL)
                        : session.attach(job.id()).stopWithSavepoint(false, dir, SavepointFormatType.CANONICAL));
            }
            List<String> failures = new ArrayList<>();
            pending.forEach((name, savepoint) -> {
                try {
                    out.println("  " + name + ": " + savepoint.get(5, TimeUnit.MINUTES));
                } catch (Exception e) {
                    failures.add(name + ": " + pipeline.secrets().mask(io.weir.runner.session.Failures.rootCause(e)));
                }
                out.flush();
            });
            if (!failures.isEmpty()) {
                throw WeirException.jobFailed("no savepoint for " + String.join("; ", failures), null);
            }
            out.println(savepointOnly ? "Savepoints taken; the jobs keep running."
                    : "Stopped. The next weir stream resumes from these savepoints.");
        }
        return 0;
    }
}
