package io.weir.cli;

import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.ClusterJobDetails;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.FlinkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Lists the pipeline's streaming jobs on the Flink cluster: state, start, last checkpoint,"
                + " restarts and the root cause of a failure.")
final class JobsCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = "--all", description = "Also jobs that ended (default: running ones and the last ended one per job).")
    boolean all;

    @Override
    public Integer call() {
        PipelineConf pipeline = conf.load();
        PrintWriter out = spec.commandLine().getOut();
        try (FlinkSession session = ClusterCommands.remoteSession(pipeline, "weir jobs")) {
            List<ClusterJob> jobs = ClusterCommands.jobsOf(pipeline, session.jobs().list(), null).stream()
                    .sorted(Comparator.comparing((ClusterJob j) -> j.identity().orElseThrow().job())
                            .thenComparing(ClusterJob::start, Comparator.reverseOrder()))
                    .toList();
            if (!all) {
                java.util.Set<String> seenEnded = new java.util.HashSet<>();
                jobs = jobs.stream().filter(j -> j.active() || seenEnded.add(j.identity().orElseThrow().job())).toList();
            }
            if (jobs.isEmpty()) {
                out.println("No job of pipeline " + pipeline.name() + " on " + session.webUrl() + ".");
                return 0;
            }
            TextTable table = new TextTable("JOB", "STATE", "ID", "STARTED", "LAST CHECKPOINT", "RESTARTS", "SQL",
                    "ROOT CAUSE");
            for (ClusterJob job : jobs) {
                ClusterJobDetails details = session.jobs().details(job);
                table.row(job.identity().orElseThrow().job(), job.state().name(), job.id().toString(),
                        job.start().toString(), details.lastCheckpoint().map(Object::toString).orElse("-"),
                        String.valueOf(details.restarts()), job.identity().orElseThrow().sqlHash(),
                        details.rootCause().map(pipeline.secrets()::mask).orElse(""));
            }
            table.print(out);
        }
        return 0;
    }
}
