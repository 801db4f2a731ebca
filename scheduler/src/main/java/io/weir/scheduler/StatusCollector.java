package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;
import org.quartz.CronExpression;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import java.util.TreeMap;

/** Builds a {@link StatusReport} from the lake and the ledger alone: it needs no running scheduler. */
public final class StatusCollector {

    private static final int RUNS_SHOWN = 10;
    private static final int WAITING_SHOWN_PER_LAYER = 5;

    private final PipelineConf conf;
    private final LakeState lakeState;
    private final LedgerState ledger;
    private final DuePartitions due;
    private final Readiness readiness;
    private final Closing closing;
    private final Clock clock;
    private final io.weir.backfill.verify.Verifications verifications;

    public StatusCollector(PipelineConf conf, Lake lake, Clock clock) {
        this.conf = conf;
        this.lakeState = new LakeState(lake);
        this.ledger = new LedgerState(new Ledger(lake), conf.name());
        this.due = new DuePartitions(conf, lake, lakeState, ledger);
        this.closing = Readiness.closing(conf, lake, clock);
        this.readiness = new Readiness(conf, lakeState, ledger, closing, clock);
        this.clock = clock;
        this.verifications = new io.weir.backfill.verify.Verifications(lake);
    }

    public StatusReport collect() {
        Instant now = clock.instant();
        ledger.refresh();
        List<StatusReport.TableStatus> tables = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            tables.add(tableStatus(layer, now));
        }
        List<StatusReport.Waiting> waiting = new ArrayList<>();
        for (LayerConf layer : conf.scheduledLayers()) {
            List<DuePartitions.Due> dueNow = due.of(layer, now);
            for (DuePartitions.Due d : dueNow.subList(0, Math.min(dueNow.size(), WAITING_SHOWN_PER_LAYER))) {
                waiting.add(new StatusReport.Waiting(layer.name(), d.partition().value(), d.why(),
                        readiness.check(layer, d.partition()).reason()));
            }
            if (dueNow.size() > WAITING_SHOWN_PER_LAYER) {
                waiting.add(new StatusReport.Waiting(layer.name(), "(" + (dueNow.size() - WAITING_SHOWN_PER_LAYER)
                        + " more)", "", ""));
            }
        }
        return new StatusReport(show(now), tables, lastRuns(), waiting);
    }

    private StatusReport.TableStatus tableStatus(LayerConf layer, Instant now) {
        StatusReport.TableStatus status = tableStatusWithoutVerification(layer, now);
        String verified = !layer.verify() ? "-" : verifications.latest(conf.name(), layer.table())
                .map(v -> v.partition() + " " + v.summary()).orElse("not yet");
        return status.withVerified(verified);
    }

    private StatusReport.TableStatus tableStatusWithoutVerification(LayerConf layer, Instant now) {
        LakeState.TableState state = lakeState.of(layer.table());
        String schedule = layer.schedule().map(s -> s.cron()
                + (s.allowedLateness().isZero() ? "" : " +" + s.allowedLateness().toString().substring(2).toLowerCase()))
                .orElse("-");
        String nextTick = layer.schedule().map(s -> nextFire(s.cron(), now)).orElse("-");
        if (!state.exists() || state.snapshotId() == 0) {
            return new StatusReport.TableStatus(layer.name(), layer.table(), "-", "-", null, "-", "-", 0, schedule, nextTick);
        }
        String writtenBy = state.streamWritten() || state.streamCommits() ? "stream" : "batch";
        String watermark = state.watermark().map(w -> show(Instant.ofEpochMilli(w))).orElse("-");
        Long lag = state.watermark().map(w -> Duration.between(Instant.ofEpochMilli(w), now).toSeconds()).orElse(null);
        if (layer.partition().isEmpty()) {
            return new StatusReport.TableStatus(layer.name(), layer.table(), writtenBy, watermark, lag,
                    "(unpartitioned)", "-", 0, schedule, nextTick);
        }
        PartitionSpec spec = layer.partition().get();
        Optional<LocalDateTime> closedUntil = closing.of(layer.table()).through()
                .map(w -> LocalDateTime.ofInstant(w, ZoneOffset.UTC))
                .or(() -> newestBuilt(layer, spec));
        LocalDateTime current = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
        if (closedUntil.isEmpty()) {
            return new StatusReport.TableStatus(layer.name(), layer.table(), writtenBy, watermark, lag, "-", "-", 0,
                    schedule, nextTick);
        }
        Partition firstOpen = spec.partitionOf(closedUntil.get());
        LocalDateTime closedEnd = firstOpen.start();
        String closedThrough = spec.partitionOf(closedEnd.minusNanos(1)).value();
        // Counted, not listed: a watermark stalled for years leaves hundreds of thousands of hours open.
        long openCount = closedEnd.isAfter(current) ? 0
                : spec.count(new io.weir.runner.conf.PartitionRange(closedEnd, spec.partitionOf(current).end()));
        String first = spec.partitionOf(closedEnd).value();
        String last = spec.partitionOf(current).value();
        String openRange = openCount == 0 ? "-" : openCount == 1 ? first : first + ".." + last;
        return new StatusReport.TableStatus(layer.name(), layer.table(), writtenBy, watermark, lag, closedThrough,
                openRange, (int) Math.min(openCount, Integer.MAX_VALUE), schedule, nextTick);
    }

    /** For a batch-built table: the end of the newest partition the ledger shows done. */
    private Optional<LocalDateTime> newestBuilt(LayerConf layer, PartitionSpec spec) {
        return ledger.latestByPartition(layer.table()).values().stream()
                .filter(e -> e.status() == RunStatus.DONE && !e.partition().isEmpty())
                .map(e -> io.weir.backfill.BackfillPlanner.parse(spec, e.partition()).end())
                .max(Comparator.naturalOrder());
    }

    private List<StatusReport.RunSummary> lastRuns() {
        Map<String, List<LedgerEntry>> byRun = new LinkedHashMap<>();
        for (LedgerEntry e : ledger.recentRuns(RUNS_SHOWN)) {
            byRun.computeIfAbsent(e.runId(), r -> new ArrayList<>()).add(e);
        }
        // Each run's entries: the newest state of each (table, partition) it touched.
        List<StatusReport.RunSummary> runs = new ArrayList<>();
        for (Map.Entry<String, List<LedgerEntry>> run : byRun.entrySet()) {
            Map<String, LedgerEntry> latest = new LinkedHashMap<>();
            run.getValue().forEach(e -> latest.put(e.table() + "/" + e.partition(), e));
            Map<String, Integer> statuses = new TreeMap<>();
            latest.values().forEach(e -> statuses.merge(e.status().name(), 1, Integer::sum));
            List<String> layers = latest.values().stream().map(LedgerEntry::layer).distinct().toList();
            LedgerEntry first = run.getValue().get(0);
            Optional<LocalDateTime> finished = latest.values().stream().map(LedgerEntry::finishedAt)
                    .filter(java.util.Objects::nonNull).max(Comparator.naturalOrder());
            String error = latest.values().stream().map(LedgerEntry::error).filter(java.util.Objects::nonNull)
                    .findFirst().orElse("");
            StringBuilder status = new StringBuilder();
            statuses.forEach((s, n) -> status.append(status.length() == 0 ? "" : " ").append(s).append(' ').append(n));
            runs.add(new StatusReport.RunSummary(run.getKey(), first.mode(), String.join(",", layers), latest.size(),
                    status.toString(), first.startedAt() == null ? "-" : first.startedAt().toString().replace('T', ' '),
                    finished.map(t -> t.toString().replace('T', ' ')).orElse("-"), error));
        }
        runs.sort(Comparator.comparing(StatusReport.RunSummary::started).reversed());
        return runs.subList(0, Math.min(RUNS_SHOWN, runs.size()));
    }

    private static String nextFire(String cron, Instant now) {
        try {
            CronExpression expression = new CronExpression(cron);
            expression.setTimeZone(TimeZone.getTimeZone("UTC"));
            Date next = expression.getNextValidTimeAfter(Date.from(now));
            return next == null ? "never" : show(next.toInstant());
        } catch (ParseException e) {
            return "invalid";
        }
    }

    static String show(Instant instant) {
        return instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace("T", " ").replace("Z", "");
    }
}
