package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.LayerSchedule;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.scheduler.WeirScheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import io.weir.scheduler.SchedulePreview;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = "Runs the scheduled layers' batch form per partition on their cron ticks, once every upstream"
                + " table is complete for the partition (watermark or ledger). Triggers are kept in a durable store:"
                + " ticks missed while stopped fire on restart. Ctrl-C stops after running jobs end.")
final class ScheduleCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(500);

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationArgument.class,
            description = "Stop after this long, e.g. 10min (default: until interrupted).")
    Duration duration;

    @Option(names = "--yes", description = "Start even when more partitions are due than scheduler.max-catch-up.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        if (pipeline.scheduledLayers().isEmpty()) {
            throw WeirException.badInput(pipeline.file() + ": no layer has a schedule; add"
                    + " schedule: { cron: '0 10 0 * * ?' } to the layers to run on a schedule");
        }
        if (!yes) {
            checkCatchUp(pipeline);
        }
        WeirScheduler.openStore(pipeline);
        PrintWriter out = spec.commandLine().getOut();
        // The scheduler's own cluster lives as long as the command, beside any stream's: any free port.
        PipelineConf scheduleConf = pipeline.withFlink(pipeline.flink().withWebUiPort(0));
        boolean readsSource = pipeline.scheduledLayers().stream().anyMatch(l -> l.upstream().isEmpty());
        try (EmbeddedSource embedded = readsSource ? EmbeddedSource.startIfEmbedded(scheduleConf) : null;
                EmbeddedServing serving = EmbeddedServing.startIfEmbedded(embedded != null ? embedded.conf() : scheduleConf);
                Lake lake = new Lake(pipeline)) {
            PipelineConf effective = serving != null ? serving.conf() : embedded != null ? embedded.conf() : scheduleConf;
            try (FlinkSession session = FlinkSession.start(effective.flink());
                    WeirScheduler scheduler = WeirScheduler.start(effective, session, lake, new ConsoleScheduleEvents(out))) {
                out.println("Scheduling " + pipeline.scheduledLayers().size() + " layer(s) of " + pipeline.name()
                        + " (times in UTC):");
                Map<String, Optional<Date>> next = scheduler.nextTicks();
                for (LayerConf layer : pipeline.scheduledLayers()) {
                    LayerSchedule s = layer.schedule().orElseThrow();
                    out.printf("  %-20s cron '%s', allowed lateness %s, from %s, next tick %s%n", layer.name(), s.cron(),
                            s.allowedLateness().toString().substring(2).toLowerCase(), s.startDate()
                                    + (s.startsAfter(pipeline.eventDateTime(java.time.Instant.now()).toLocalDate())
                                            ? " (in the future: nothing is built before it)" : ""),
                            next.get(layer.name()).map(d -> d.toInstant().toString().replace("T", " ").replace("Z", ""))
                                    .orElse("-"));
                }
                out.println(duration == null ? "Running; Ctrl-C stops. `weir status` shows what waits and why."
                        : "Running for " + duration + "; Ctrl-C stops earlier.");
                out.flush();
                StopSignal stop = StopSignal.install(() -> { });
                Instant deadline = duration == null ? Instant.MAX : Instant.now().plus(duration);
                while (!stop.requested() && Instant.now().isBefore(deadline)) {
                    Thread.sleep(POLL.toMillis());
                    if (scheduler.stoppedBecause().isPresent()) {
                        throw WeirException.jobFailed(scheduler.stoppedBecause().get(), null);
                    }
                }
                out.println("Stopping: no new ticks; jobs already running finish first.");
                out.flush();
            }
        }
        return 0;
    }

    /** A start date far back (or a forgotten end date) would queue years of jobs: ask first. */
    private static void checkCatchUp(PipelineConf pipeline) throws Exception {
        Map<String, List<String>> due;
        try (Lake lake = new Lake(pipeline)) {
            due = new SchedulePreview(pipeline, lake, Clock.systemUTC()).due();
        }
        int total = due.values().stream().mapToInt(List::size).sum();
        int limit = pipeline.scheduler().maxCatchUp();
        if (total <= limit) {
            return;
        }
        StringBuilder layers = new StringBuilder();
        due.forEach((layer, values) -> {
            if (!values.isEmpty()) {
                layers.append(String.format("%n  %-20s %,d (%s..%s)", layer, values.size(), values.get(0),
                        values.get(values.size() - 1)));
            }
        });
        throw WeirException.badInput(String.format("%,d partitions are due to catch up, more than scheduler.max-catch-up"
                + " %,d in %s:%s%nConfirm with --yes, or narrow layers[i].schedule.start-date / schedule.end-date.",
                total, limit, pipeline.file(), layers));
    }
}
