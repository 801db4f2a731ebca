package io.weir.cli;

import io.weir.scheduler.StatusReport.JobRow;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.FlinkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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
            List<JobRow> rows = ClusterCommands.rows(pipeline, session, all);
            if (rows.isEmpty()) {
                out.println("No job of pipeline " + pipeline.name() + " on " + session.webUrl() + ".");
                return 0;
            }
            ClusterCommands.print(rows, out);
        }
        return 0;
    }
}
