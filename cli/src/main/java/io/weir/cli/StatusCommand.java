package io.weir.cli;

import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.scheduler.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows each table's watermark, lag and freshness, its closed and open partitions, the last runs,"
                + " and what the scheduler waits for and why. Reads the lake and the ledger; needs no running process.")
final class StatusCommand implements Callable<Integer> {

    /** The exit code of --check when a layer misses its freshness target. */
    static final int MISSED_FRESHNESS = 1;

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "JSON instead of tables: times as UTC instants, durations in ms.")
    boolean json;

    @Option(names = "--check", description = "Exit " + MISSED_FRESHNESS + " when a layer misses its freshness target"
            + " (layers[i].freshness), for a monitor to call.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        PrintWriter out = spec.commandLine().getOut();
        try (Lake lake = new Lake(pipeline)) {
            PipelineStatus status = new PipelineStatus(pipeline, lake);
            status.probe();
            StatusReport report = status.report();
            if (json) {
                out.println(StatusJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } else {
                print(report, pipeline, out);
            }
            out.flush();
            boolean missed = report.tables().stream().anyMatch(t -> t.freshness().missed());
            return check && missed ? MISSED_FRESHNESS : 0;
        }
    }

    private static void print(StatusReport report, PipelineConf pipeline, PrintWriter out) {
        out.println("Pipeline " + pipeline.name() + " at " + ClusterCommands.shown(report.now()) + " UTC");
        out.println();
        boolean verifying = pipeline.layers().stream().anyMatch(LayerConf::verify);
        TextTable tables = verifying
                ? new TextTable("LAYER", "WRITTEN BY", "WATERMARK", "LAG", "FRESHNESS", "CLOSED THROUGH", "OPEN",
                        "SCHEDULE", "NEXT TICK", "VERIFIED")
                : new TextTable("LAYER", "WRITTEN BY", "WATERMARK", "LAG", "FRESHNESS", "CLOSED THROUGH", "OPEN",
                        "SCHEDULE", "NEXT TICK");
        for (StatusReport.TableStatus t : report.tables()) {
            String closed = t.closedThrough() != null ? t.closedThrough()
                    : t.writtenBy() != StatusReport.WrittenBy.NONE && !pipeline.layer(t.layer()).partitioned()
                            ? "(unpartitioned)" : "-";
            String open = t.openCount() == 0 ? "-" : t.openCount() == 1 ? t.firstOpen()
                    : t.firstOpen() + ".." + t.lastOpen() + " (" + t.openCount() + ")";
            String schedule = t.schedule() == null ? "-" : t.schedule().cron()
                    + (t.schedule().allowedLatenessMs() == 0 ? "" : " +" + Durations.show(t.schedule().allowedLatenessMs()));
            String nextTick = t.schedule() == null ? "-" : t.schedule().nextTick() == null ? "never"
                    : ClusterCommands.shown(t.schedule().nextTick());
            String[] cells = {t.layer(), t.writtenBy().name().toLowerCase(), ClusterCommands.shown(t.watermark()),
                    Durations.showSigned(t.lagMs()), freshness(t.freshness()), closed, open, schedule, nextTick};
            if (verifying) {
                String[] withVerified = java.util.Arrays.copyOf(cells, cells.length + 1);
                withVerified[cells.length] = verified(t, pipeline.layer(t.layer()).verify());
                tables.row(withVerified);
            } else {
                tables.row(cells);
            }
        }
        tables.print(out);
        out.println();
        List<String> ahead = report.tables().stream().map(t -> aheadNote(t.layer(), t.lagMs(), pipeline.timeZone()))
                .flatMap(java.util.Optional::stream).toList();
        if (!ahead.isEmpty()) {
            ahead.forEach(out::println);
            out.println();
        }
        List<StatusReport.TableStatus> closedOtherwise = report.tables().stream().filter(t -> t.closing() != null
                && !t.closing().basis().equals("WATERMARK")).toList();
        if (!closedOtherwise.isEmpty()) {
            // Why CLOSED THROUGH is not the watermark: quiet, closed by inputs, or open without event time.
            out.println("Closed otherwise than by their own watermark:");
            closedOtherwise.forEach(t -> out.println("  " + t.layer() + ": " + t.closing().state()));
            out.println();
        }
        report.endpoints().forEach(e -> out.println(e.name() + ": " + (e.reachable() ? "reachable" : "UNREACHABLE: " + e.problem())));
        if (!report.endpoints().isEmpty()) {
            out.println();
        }
        if (!report.cluster().isEmpty()) {
            if (report.jobs().isEmpty()) {
                // The note is the cluster's address when it answered, else why it could not be asked.
                out.println(report.cluster().startsWith("http") ? "Flink cluster " + report.cluster()
                        + ": no job of this pipeline." : "Flink cluster: " + report.cluster());
            } else {
                out.println("Jobs on " + report.cluster() + ":");
                ClusterCommands.print(report.jobs(), out);
            }
            out.println();
        }
        printWaiting(report, pipeline, out);
        out.println();
        printRuns(report, out);
    }

    /** How far ahead of now a watermark may be before status says why: beyond clock skew, within any zone offset. */
    static final java.time.Duration AHEAD = java.time.Duration.ofMinutes(15);

    /**
     * A watermark ahead of now: an event stamped in the future, or a source whose local times are of
     * a zone east of the pipeline's, which closes partitions late and shows a negative lag.
     */
    static java.util.Optional<String> aheadNote(String layer, Long lagMs, java.time.ZoneId zone) {
        if (lagMs == null || lagMs >= -AHEAD.toMillis()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("note: " + layer + ": its watermark is " + Durations.show(-lagMs) + " ahead of now in "
                + zone + " (pipeline.time-zone). Either an event was stamped in the future, or its source writes local"
                + " times of a zone east of " + zone + ": then set pipeline.time-zone to that zone");
    }

    /** "12s (hop 2s)", with the target and MISSED when the layer has one. */
    private static String freshness(StatusReport.Freshness f) {
        String text = f.ageMs() == null ? "-" : Durations.show(f.ageMs());
        if (f.hopDelayMs() != null) {
            text += " (hop " + Durations.show(f.hopDelayMs()) + ")";
        }
        if (f.targetMs() != null) {
            text += f.missed() ? " MISSED " + Durations.show(f.targetMs()) : " <= " + Durations.show(f.targetMs());
        }
        return text;
    }

    private static String verified(StatusReport.TableStatus t, boolean verifies) {
        if (t.verified() == null) {
            return verifies ? "not yet" : "-";
        }
        StatusReport.Verified v = t.verified();
        return v.partition() + " " + (v.equal() ? "equal (" + v.equalRows() + " rows)"
                : "DIFFERS: " + v.differingRows() + " differing, " + v.missingRows() + " missing, " + v.extraRows() + " extra");
    }

    private static void printWaiting(StatusReport report, PipelineConf pipeline, PrintWriter out) {
        if (report.waiting().isEmpty()) {
            out.println(pipeline.scheduledLayers().isEmpty() ? "No layer is scheduled." : "Nothing is waiting.");
            return;
        }
        out.println("Waiting:");
        TextTable waiting = new TextTable("LAYER", "PARTITION", "DUE BECAUSE", "WAITING ON");
        Map<String, Long> listed = new java.util.HashMap<>();
        report.waiting().forEach(w -> listed.merge(w.layer(), 1L, Long::sum));
        String previous = null;
        for (StatusReport.Waiting w : report.waiting()) {
            if (previous != null && !previous.equals(w.layer())) {
                more(report, listed, previous, waiting);
            }
            waiting.row(w.layer(), w.partition(), w.due(), !w.waitingOn().isEmpty() ? w.waitingOn()
                    : pipeline.layer(w.layer()).scheduled() ? report.scheduler().whenNothingWaits()
                    : "no schedule: weir backfill --layer " + w.layer() + " rebuilds it");
            previous = w.layer();
        }
        more(report, listed, previous, waiting);
        waiting.print(out);
    }

    private static void more(StatusReport report, Map<String, Long> listed, String layer, TextTable waiting) {
        long more = report.dueCounts().getOrDefault(layer, 0) - listed.getOrDefault(layer, 0L);
        if (more > 0) {
            waiting.row(layer, "(" + more + " more)", "", "");
        }
    }

    private static void printRuns(StatusReport report, PrintWriter out) {
        if (report.runs().isEmpty()) {
            out.println("No runs recorded yet.");
            return;
        }
        out.println("Last runs:");
        TextTable runs = new TextTable("RUN", "MODE", "LAYERS", "PARTITIONS", "STATUS", "STARTED", "FINISHED", "ERROR");
        for (StatusReport.RunSummary r : report.runs()) {
            StringBuilder status = new StringBuilder();
            new java.util.TreeMap<>(r.counts()).forEach((s, n) ->
                    status.append(status.length() == 0 ? "" : " ").append(s.name()).append(' ').append(n));
            if (r.state() == RunStatus.RUNNING) {
                long done = r.partitions() - r.counts().getOrDefault(RunStatus.RUNNING, 0);
                status.append(" (").append(done).append('/').append(r.plannedPartitions()).append(')');
            }
            runs.row(r.runId(), r.mode(), String.join(",", r.layers()), String.valueOf(r.partitions()),
                    status.toString(), ClusterCommands.shown(r.started()), ClusterCommands.shown(r.finished()),
                    r.error() == null ? "" : r.error().lines().findFirst().orElse(""));
        }
        runs.print(out);
    }
}
