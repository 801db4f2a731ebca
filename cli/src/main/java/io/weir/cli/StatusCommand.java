package io.weir.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.scheduler.StatusCollector;
import io.weir.scheduler.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows each table's watermark and lag, its closed and open partitions, the last runs, and what"
                + " the scheduler waits for and why. Reads the lake and the ledger; needs no running process.")
final class StatusCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "JSON instead of tables.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        PrintWriter out = spec.commandLine().getOut();
        try (Lake lake = new Lake(pipeline.warehouse())) {
            StatusReport report = withEndpoints(withClusterJobs(
                    new StatusCollector(pipeline, lake, Clock.systemUTC()).collect(), pipeline), pipeline);
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
                return 0;
            }
            print(report, pipeline, out);
            return 0;
        }
    }

    /**
     * The streaming jobs on a remote cluster. The embedded cluster lives inside a weir stream
     * process, and a cluster that does not answer is said so, without failing the rest.
     */
    private static StatusReport withClusterJobs(StatusReport report, PipelineConf pipeline) {
        if (pipeline.flink().target() != io.weir.runner.conf.WeirOptions.FlinkTarget.REMOTE) {
            return report;
        }
        try (io.weir.runner.session.FlinkSession session = io.weir.runner.session.FlinkSession.start(pipeline.flink())) {
            return report.withJobs(ClusterCommands.rows(pipeline, session, false), session.webUrl());
        } catch (io.weir.runner.WeirException e) {
            return report.withJobs(java.util.List.of(), e.getMessage());
        }
    }

    /** Whether the source and serving store answer now (embedded ones only while a Weir process runs them). */
    private static StatusReport withEndpoints(StatusReport report, PipelineConf pipeline) {
        java.util.Map<String, String> probed = new java.util.LinkedHashMap<>();
        for (io.weir.runner.health.Endpoint endpoint : io.weir.runner.health.Endpoint.of(pipeline)) {
            if (endpoint.jdbcUrl().contains("://null") || isEmbedded(pipeline, endpoint)) {
                continue;
            }
            probed.put(endpoint.name(), endpoint.problem().map(p -> "UNREACHABLE: " + pipeline.secrets().mask(p))
                    .orElse("reachable"));
        }
        return report.withEndpoints(probed);
    }

    private static boolean isEmbedded(PipelineConf pipeline, io.weir.runner.health.Endpoint endpoint) {
        return endpoint.name().startsWith("source ")
                ? pipeline.embeddedSource().map(s -> s.kind().label(s).equals(endpoint.name())).orElse(false)
                : pipeline.serving().map(io.weir.runner.conf.ServingConf::embedded).orElse(false);
    }

    private static void print(StatusReport report, PipelineConf pipeline, PrintWriter out) {
        out.println("Pipeline " + pipeline.name() + " at " + report.now() + " UTC");
        out.println();
        boolean verifying = pipeline.layers().stream().anyMatch(io.weir.runner.conf.LayerConf::verify);
        TextTable tables = verifying
                ? new TextTable("LAYER", "WRITTEN BY", "WATERMARK", "LAG", "CLOSED THROUGH", "OPEN", "SCHEDULE",
                        "NEXT TICK", "VERIFIED")
                : new TextTable("LAYER", "WRITTEN BY", "WATERMARK", "LAG", "CLOSED THROUGH", "OPEN", "SCHEDULE",
                        "NEXT TICK");
        for (StatusReport.TableStatus t : report.tables()) {
            String open = t.openCount() > 1 ? t.open() + " (" + t.openCount() + ")" : t.open();
            if (verifying) {
                tables.row(t.layer(), t.writtenBy(), t.watermark(), lag(t.lagSeconds()), t.closedThrough(), open,
                        t.schedule(), t.nextTick(), t.verified());
            } else {
                tables.row(t.layer(), t.writtenBy(), t.watermark(), lag(t.lagSeconds()), t.closedThrough(), open,
                        t.schedule(), t.nextTick());
            }
        }
        tables.print(out);
        out.println();
        report.endpoints().forEach((name, state) -> out.println(name + ": " + state));
        if (!report.endpoints().isEmpty()) {
            out.println();
        }
        if (!report.cluster().isEmpty()) {
            if (report.jobs().isEmpty()) {
                out.println("Flink cluster " + report.cluster() + ": no job of this pipeline.");
            } else {
                out.println("Jobs on " + report.cluster() + ":");
                ClusterCommands.print(report.jobs(), out);
            }
            out.println();
        }
        if (report.waiting().isEmpty()) {
            out.println(pipeline.scheduledLayers().isEmpty() ? "No layer is scheduled." : "Nothing is waiting.");
        } else {
            out.println("Waiting:");
            TextTable waiting = new TextTable("LAYER", "PARTITION", "DUE BECAUSE", "WAITING ON");
            report.waiting().forEach(w -> waiting.row(w.layer(), w.partition(), w.due(),
                    w.waitingOn().isEmpty() ? (w.due().isEmpty() ? "" : "nothing: runs at the next tick") : w.waitingOn()));
            waiting.print(out);
        }
        out.println();
        if (report.lastRuns().isEmpty()) {
            out.println("No runs recorded yet.");
        } else {
            out.println("Last runs:");
            TextTable runs = new TextTable("RUN", "MODE", "LAYERS", "PARTITIONS", "STATUS", "STARTED", "FINISHED", "ERROR");
            report.lastRuns().forEach(r -> runs.row(r.runId(), r.mode(), r.layers(), String.valueOf(r.partitions()),
                    r.status(), r.started(), r.finished(), r.error().lines().findFirst().orElse("")));
            runs.print(out);
        }
        out.flush();
    }

    private static String lag(Long seconds) {
        if (seconds == null) {
            return "-";
        }
        long s = Math.abs(seconds);
        String text = s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
        return seconds < 0 ? "-" + text : text;
    }
}
