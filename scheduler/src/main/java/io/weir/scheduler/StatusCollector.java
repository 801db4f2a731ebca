package io.weir.scheduler;

import io.weir.backfill.MissingPartitions;
import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
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

/** Builds a {@link StatusReport} from the lake and the ledger alone: it needs no running scheduler. */
public final class StatusCollector {

    private static final int RUNS_SHOWN = 10;
    private static final int WAITING_SHOWN_PER_LAYER = 5;
    private static final int HISTORY_SHOWN = 50;

    private final PipelineConf conf;
    private final LakeState lakeState;
    private final LedgerState ledger;
    private final DuePartitions due;
    private final Readiness readiness;
    private final Closing closing;
    private final Clock clock;
    private final io.weir.backfill.verify.Verifications verifications;
    private final HopDelay hopDelay;
    private final Map<String, Optional<LocalDateTime>> newestBuilt = new java.util.HashMap<>();
    private long newestBuiltVersion = -1;
    private static final long FINGERPRINT_REUSE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    private String lastFingerprint;
    private long fingerprintAt;

    public StatusCollector(PipelineConf conf, Lake lake, Clock clock) {
        this.conf = conf;
        this.lakeState = new LakeState(lake);
        this.ledger = new LedgerState(new Ledger(lake), conf.name());
        this.due = new DuePartitions(conf, lake, lakeState, ledger);
        this.closing = Readiness.closing(conf, lake, clock);
        this.readiness = new Readiness(conf, lakeState, ledger, closing, clock, due);
        this.clock = clock;
        this.verifications = new io.weir.backfill.verify.Verifications(lake);
        this.hopDelay = new HopDelay(lake, lakeState);
    }

    private static final long SCHEDULER_ASKED_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    private StatusReport.SchedulerState schedulerState;
    private long schedulerAskedNanos;

    /** Reads everything afresh but what has not changed; one collector may serve many requests, one at a time. */
    public synchronized StatusReport collect() {
        Instant now = clock.instant();
        ledger.refresh();
        List<StatusReport.TableStatus> tables = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            tables.add(tableStatus(layer, now));
        }
        List<StatusReport.Waiting> waiting = new ArrayList<>();
        rebuildFirst.clear();
        Map<String, Integer> dueCounts = new LinkedHashMap<>();
        Map<String, java.util.Set<String>> dueByTable = new java.util.HashMap<>();
        for (LayerConf layer : conf.layers()) {
            if (layer.partition().isEmpty()) {
                continue;
            }
            List<MissingPartitions.Missing> dueNow = new ArrayList<>(layer.scheduled() ? due.of(layer, now) : due.stale(layer, now));
            if (!layer.scheduled()) {
                dueNow.addAll(behindInputsDue(layer, dueNow, dueByTable));
            }
            dueByTable.put(layer.table(), dueNow.stream().map(d -> d.partition().value())
                    .collect(java.util.stream.Collectors.toSet()));
            if (dueNow.isEmpty() && !layer.scheduled()) {
                continue;
            }
            dueCounts.put(layer.name(), dueNow.size());
            for (MissingPartitions.Missing d : dueNow.subList(0, Math.min(dueNow.size(), WAITING_SHOWN_PER_LAYER))) {
                String first = rebuildFirst.get(layer.name() + "/" + d.partition().value());
                waiting.add(new StatusReport.Waiting(layer.name(), d.partition().value(), d.why(),
                        first != null ? first : readiness.check(layer, d.partition()).reason()));
            }
        }
        return new StatusReport(conf.name(), now, tables, runs(), waiting, dueCounts, List.of(), "", List.of(),
                schedulerState());
    }

    /** Asked at most every few seconds: a page refreshing often would otherwise open the store each time. */
    private StatusReport.SchedulerState schedulerState() {
        if (conf.scheduledLayers().isEmpty()) {
            return StatusReport.SchedulerState.NONE_SCHEDULED;
        }
        long nowNanos = System.nanoTime();
        if (schedulerState == null || nowNanos - schedulerAskedNanos > SCHEDULER_ASKED_EVERY_NANOS) {
            schedulerState = new QuartzStore(conf).heldByAScheduler()
                    .map(held -> held ? StatusReport.SchedulerState.RUNNING : StatusReport.SchedulerState.NOT_RUNNING)
                    .orElse(StatusReport.SchedulerState.UNKNOWN);
            schedulerAskedNanos = nowNanos;
        }
        return schedulerState;
    }

    /**
     * Of a layer without a schedule, the built partitions that read an input partition which itself
     * needs building again: once it is rebuilt they will differ, though nothing they read has changed yet.
     */
    private List<MissingPartitions.Missing> behindInputsDue(LayerConf layer, List<MissingPartitions.Missing> listed,
            Map<String, java.util.Set<String>> dueByTable) {
        java.util.Set<String> already = listed.stream().map(d -> d.partition().value()).collect(java.util.stream.Collectors.toSet());
        PartitionSpec spec = layer.partition().orElseThrow();
        List<MissingPartitions.Missing> found = new ArrayList<>();
        for (LedgerEntry built : ledger.latestByPartition(layer.table()).values()) {
            Optional<Partition> partition = spec.parse(built.partition());
            if (built.status() != RunStatus.DONE || already.contains(built.partition()) || partition.isEmpty()) {
                continue;
            }
            inputDue(layer, partition.get(), dueByTable).ifPresent(input -> {
                found.add(new MissingPartitions.Missing(partition.get(), MissingPartitions.Reason.UPSTREAM_CHANGED,
                        "its input " + input.table() + " partition " + input.partition() + " needs building again first"));
                // Rebuilding this layer now would read what is about to change: the input goes first.
                rebuildFirst.put(layer.name() + "/" + built.partition(), "its input, first: weir backfill --layer "
                        + input.layer() + " --from " + input.partition() + " --to " + input.partition() + " --cascade");
            });
        }
        found.sort(Comparator.comparing(m -> m.partition().start()));
        return found;
    }

    /** Per "layer/partition" of a layer without a schedule, what to rebuild before it; filled by each collect. */
    private final Map<String, String> rebuildFirst = new java.util.HashMap<>();

    private record InputDue(String table, String layer, String partition) {}

    private Optional<InputDue> inputDue(LayerConf layer, Partition partition, Map<String, java.util.Set<String>> dueByTable) {
        for (String upstream : layer.upstream()) {
            java.util.Set<String> upstreamDue = dueByTable.getOrDefault(upstream, java.util.Set.of());
            Optional<PartitionSpec> upstreamSpec = conf.layerWritingTable(upstream).flatMap(LayerConf::partition);
            if (upstreamDue.isEmpty() || upstreamSpec.isEmpty()) {
                continue;
            }
            for (Partition read : PartitionMapping.read(layer, partition, upstreamSpec.get())) {
                if (upstreamDue.contains(read.value())) {
                    return Optional.of(new InputDue(upstream, conf.layerWritingTable(upstream).orElseThrow().name(),
                            read.value()));
                }
            }
        }
        return Optional.empty();
    }

    /** Every partitioned layer's partitions that overlap {@code [from, until)}, each with its state. */
    public synchronized PartitionGrid grid(Instant from, Instant until) {
        Instant now = clock.instant();
        ledger.refresh();
        return new GridBuilder(conf, lakeState, ledger, due, readiness, closing, verifications, schedulerState())
                .build(from, until, now);
    }

    /** The ledger's entries of one partition of a layer's table, newest first. */
    public List<LedgerEntry> history(String table, String partition) {
        if (conf.layerWritingTable(table).isEmpty()) {
            throw new IllegalArgumentException("no layer writes table '" + table + "'");
        }
        if (ledger.refresh().latest(table, partition).isEmpty()) {
            return List.of(); // never run: no need to read the history
        }
        return ledger.ledger().recent(conf.name(), e -> e.table().equals(table) && e.partition().equals(partition),
                entries -> entries.size() >= HISTORY_SHOWN).stream().sorted(LedgerEntry.CHRONOLOGICAL.reversed())
                .limit(HISTORY_SHOWN).toList();
    }

    private StatusReport.TableStatus tableStatus(LayerConf layer, Instant now) {
        LakeState.TableState state = lakeState.of(layer.table());
        StatusReport.Schedule schedule = layer.schedule().map(s -> new StatusReport.Schedule(s.cron(),
                s.allowedLateness().toMillis(), nextFire(s.cron(), now))).orElse(null);
        StatusReport.Verified verified = !layer.verify() ? null : verifications.latest(conf.name(), layer.table())
                .map(StatusCollector::verified).orElse(null);
        boolean hasData = state.exists() && state.snapshotId() != 0;
        StatusReport.WrittenBy writtenBy = !hasData ? StatusReport.WrittenBy.NONE
                : state.recordsWatermark() || state.streamCommits() ? StatusReport.WrittenBy.STREAM : StatusReport.WrittenBy.BATCH;
        StatusReport.TableKind kind = layer.scheduled() ? StatusReport.TableKind.SCHEDULED
                : switch (writtenBy) {
                    case STREAM -> StatusReport.TableKind.STREAM;
                    case BATCH -> StatusReport.TableKind.BATCH;
                    case NONE -> StatusReport.TableKind.EMPTY;
                };
        Instant watermark = hasData ? state.watermark().map(Instant::ofEpochMilli).orElse(null) : null;
        // Watermarks and partitions are event times: now on the pipeline's wall clock, read as UTC.
        Instant eventNow = conf.eventTime(now);
        Long lag = watermark == null ? null : Duration.between(watermark, eventNow).toMillis();
        String closedThrough = null;
        Partition firstOpen = null;
        Partition lastOpen = null;
        long openCount = 0;
        Instant completeUntil = watermark;
        StatusReport.Closed shownClosing = null;
        if (hasData && layer.partition().isPresent()) {
            PartitionSpec spec = layer.partition().get();
            Closing.Closed closed = closing.of(layer.table());
            if (closed.basis() != Closing.Basis.NONE) {
                shownClosing = new StatusReport.Closed(closed.through().orElse(null), closed.basis().name(), closed.state());
            }
            Optional<Instant> closedAt = closed.through();
            if (closed.basis().byInputs()) {
                // A watermark held back by a quiet input, or none: its inputs say how complete it is.
                completeUntil = closedAt.orElseThrow();
            }
            Optional<LocalDateTime> closedUntil = closedAt.map(w -> LocalDateTime.ofInstant(w, ZoneOffset.UTC))
                    .or(() -> newestBuilt(layer, spec).flatMap(built -> closedInputsUntil(layer, built)));
            if (closedUntil.isPresent()) {
                LocalDateTime current = LocalDateTime.ofInstant(eventNow, ZoneOffset.UTC);
                LocalDateTime closedEnd = spec.partitionOf(closedUntil.get()).start();
                closedThrough = spec.partitionOf(closedEnd.minusNanos(1)).value();
                // Counted, not listed: a watermark stalled for years leaves hundreds of thousands of hours open.
                openCount = closedEnd.isAfter(current) ? 0
                        : spec.count(new io.weir.runner.conf.PartitionRange(closedEnd, spec.partitionOf(current).end()));
                if (openCount > 0) {
                    firstOpen = spec.partitionOf(closedEnd);
                    lastOpen = spec.partitionOf(current);
                }
                if (completeUntil == null) {
                    // Closed without a watermark of its own (by its inputs, or quiet): complete up to that instant.
                    completeUntil = closedAt.orElse(closedEnd.toInstant(ZoneOffset.UTC));
                }
            }
        }
        if (completeUntil == null && writtenBy == StatusReport.WrittenBy.STREAM) {
            // A stream without event time (a dimension's copy) is as fresh as its last commit.
            completeUntil = state.lastCommitMillis().map(Instant::ofEpochMilli).map(conf::eventTime).orElse(null);
        }
        StatusReport.Freshness freshness = freshness(layer, completeUntil, eventNow,
                writtenBy == StatusReport.WrittenBy.STREAM ? hopDelay.millisOf(layer).orElse(null) : null);
        return new StatusReport.TableStatus(layer.name(), layer.table(), kind, List.copyOf(layer.upstream()), writtenBy,
                watermark, lag, closedThrough, firstOpen == null ? null : firstOpen.value(),
                lastOpen == null ? null : lastOpen.value(), openCount, schedule, freshness, verified, shownClosing);
    }

    private static StatusReport.Freshness freshness(LayerConf layer, Instant completeUntil, Instant now, Long hopMs) {
        Long age = completeUntil == null ? null : Math.max(0, Duration.between(completeUntil, now).toMillis());
        Long target = layer.freshness().map(Duration::toMillis).orElse(null);
        // No data at all misses any target: nothing is fresh.
        boolean missed = target != null && (age == null || age > target);
        return new StatusReport.Freshness(age, hopMs, target, missed);
    }

    private static StatusReport.Verified verified(io.weir.backfill.verify.Verifications.Verification v) {
        return new StatusReport.Verified(v.partition(), v.verifiedAt(), v.same(), v.equal(), v.differing(),
                v.missing(), v.extra(), v.sample());
    }

    /**
     * A batch-built table is closed as far as it is built, and no further than its inputs are: a
     * partition built while still open (--allow-open) may change yet.
     */
    private Optional<LocalDateTime> closedInputsUntil(LayerConf layer, LocalDateTime built) {
        LocalDateTime until = built;
        for (Closing.Closed judge : closing.judges(layer)) {
            if (judge.through().isEmpty()) {
                return Optional.empty();
            }
            LocalDateTime closed = LocalDateTime.ofInstant(judge.through().get(), ZoneOffset.UTC);
            until = closed.isBefore(until) ? closed : until;
        }
        return Optional.of(until);
    }

    /** For a batch-built table: the end of the newest partition the ledger shows done. */
    private Optional<LocalDateTime> newestBuilt(LayerConf layer, PartitionSpec spec) {
        if (newestBuiltVersion != ledger.version()) {
            newestBuilt.clear();
            newestBuiltVersion = ledger.version();
        }
        return newestBuilt.computeIfAbsent(layer.table(), t -> ledger.latestByPartition(t).values().stream()
                .filter(e -> e.status() == RunStatus.DONE && !e.partition().isEmpty())
                .map(e -> spec.named(e.partition()).end())
                .max(Comparator.naturalOrder()));
    }

    /**
     * Changes when anything the report reads changes: the ledger (state and history), the
     * verifications, or a snapshot of one of the layers' tables. Time alone moves lags and due partitions, which a caller may let lag a little.
     */
    public synchronized String fingerprint() {
        long now = System.nanoTime();
        // The page asks twice per refresh (status, grid): one look at the lake serves both.
        if (lastFingerprint != null && now - fingerprintAt < FINGERPRINT_REUSE_NANOS) {
            return lastFingerprint;
        }
        StringBuilder fingerprint = new StringBuilder().append(ledger.ledger().version())
                .append('/').append(ledger.ledger().logVersion());
        if (conf.layers().stream().anyMatch(LayerConf::verify)) {
            fingerprint.append('/').append(verifications.version());
        }
        for (LayerConf layer : conf.layers()) {
            fingerprint.append(',').append(lakeState.of(layer.table()).snapshotId());
        }
        lastFingerprint = fingerprint.toString();
        fingerprintAt = now;
        return lastFingerprint;
    }

    private List<StatusReport.RunSummary> runs() {
        Map<String, List<LedgerEntry>> byRun = new LinkedHashMap<>();
        for (LedgerEntry e : ledger.recentRuns(RUNS_SHOWN)) {
            byRun.computeIfAbsent(e.runId(), r -> new ArrayList<>()).add(e);
        }
        Instant now = clock.instant();
        List<StatusReport.RunSummary> runs = new ArrayList<>();
        for (Map.Entry<String, List<LedgerEntry>> run : byRun.entrySet()) {
            // Each run's entries: the newest state of each (table, partition) it touched.
            Map<String, LedgerEntry> latest = new LinkedHashMap<>();
            run.getValue().forEach(e -> latest.put(e.table() + "/" + e.partition(), e));
            Map<RunStatus, Integer> counts = new java.util.EnumMap<>(RunStatus.class);
            latest.values().forEach(e -> counts.merge(
                    e.interrupted(now) ? RunStatus.FAILED : e.status(), 1, Integer::sum));
            List<String> layers = latest.values().stream().map(LedgerEntry::layer).distinct().toList();
            LedgerEntry first = run.getValue().get(0);
            Instant finished = latest.values().stream().map(LedgerEntry::finishedAt).filter(java.util.Objects::nonNull)
                    .max(Comparator.naturalOrder()).map(t -> t.toInstant(ZoneOffset.UTC)).orElse(null);
            String error = latest.values().stream().map(LedgerEntry::error).filter(java.util.Objects::nonNull)
                    .findFirst().orElseGet(() -> latest.values().stream().filter(e -> e.interrupted(now)).findFirst()
                            .map(e -> "interrupted: the run stopped while it built " + e.layer() + " " + e.partition()
                                    + " (its process is gone)")
                            .orElse(null));
            RunStatus state = counts.containsKey(RunStatus.RUNNING) ? RunStatus.RUNNING
                    : counts.containsKey(RunStatus.FAILED) ? RunStatus.FAILED
                    : counts.containsKey(RunStatus.LATE) ? RunStatus.LATE : RunStatus.DONE;
            runs.add(new StatusReport.RunSummary(run.getKey(), first.mode(), layers, latest.size(), counts, state,
                    first.startedAt() == null ? null : first.startedAt().toInstant(ZoneOffset.UTC),
                    state == RunStatus.RUNNING ? null : finished, error,
                    Math.max(latest.size(), planned(latest.values()))));
        }
        runs.sort(Comparator.comparing(StatusReport.RunSummary::started,
                Comparator.nullsLast(Comparator.<Instant>naturalOrder())).reversed());
        return runs.subList(0, Math.min(RUNS_SHOWN, runs.size()));
    }

    /** How many partitions a run's window spans over the layers it touched so far. */
    private long planned(java.util.Collection<LedgerEntry> entries) {
        long planned = 0;
        Map<String, LedgerEntry> byLayer = new LinkedHashMap<>();
        entries.forEach(e -> byLayer.putIfAbsent(e.layer(), e));
        for (LedgerEntry e : byLayer.values()) {
            Optional<LayerConf> layer = conf.layers().stream().filter(l -> l.name().equals(e.layer())).findFirst();
            if (layer.isEmpty() || layer.get().partition().isEmpty() || e.windowStart() == null || e.windowEnd() == null) {
                continue;
            }
            try {
                planned += layer.get().partition().get().count(io.weir.runner.conf.PartitionRange.ofDays(
                        java.time.LocalDate.parse(e.windowStart()), java.time.LocalDate.parse(e.windowEnd())));
            } catch (RuntimeException notADayWindow) {
                // A window the ledger did not record in days says nothing about the run's size.
            }
        }
        return planned;
    }

    /** The next tick after now; {@code null} for a cron that never fires again (validated on load). */
    private static Instant nextFire(String cron, Instant now) {
        try {
            CronExpression expression = new CronExpression(cron);
            expression.setTimeZone(TimeZone.getTimeZone("UTC"));
            Date next = expression.getNextValidTimeAfter(Date.from(now));
            return next == null ? null : next.toInstant();
        } catch (ParseException e) {
            return null;
        }
    }
}
