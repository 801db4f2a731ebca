package io.weir.scheduler;

import io.weir.backfill.MissingPartitions;
import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.verify.RowDiff;
import io.weir.backfill.verify.Verifications;
import io.weir.backfill.verify.Verifier;
import io.weir.backfill.Chunk;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SchedulerConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One tick of a scheduled layer: find the due partitions, wait (polling, up to the deadline) until
 * each is ready, run the ready ones as scheduled batch jobs with retries, mark the rest LATE.
 * Every run goes through the backfill runner, so the ledger records it like any backfill.
 */
final class LayerTicks {

    private static final Logger LOG = LoggerFactory.getLogger(LayerTicks.class);

    private final PipelineConf conf;
    private final Renderer renderer;
    private final LedgerState ledger;
    private final DuePartitions duePartitions;
    private final Readiness readiness;
    private final BackfillPlanner planner;
    private final BackfillRunner runner;
    private final Verifier verifier;
    private final Verifications verifications;
    private final ScheduleEvents events;
    private final Clock clock;
    private final FlinkSession session;
    private final Lake lake;
    private final EmptyInputs emptyInputs;
    private final CountDownLatch stopping = new CountDownLatch(1);

    LayerTicks(PipelineConf conf, FlinkSession session, Lake lake, LedgerState ledger, ScheduleEvents events,
            Clock clock) {
        this.conf = conf;
        this.renderer = new Renderer(conf);
        this.ledger = ledger;
        LakeState lakeState = new LakeState(lake);
        this.duePartitions = new DuePartitions(conf, lake, lakeState, ledger);
        this.readiness = new Readiness(conf, lakeState, ledger, Readiness.closing(conf, lake, clock), clock, duePartitions);
        this.planner = new BackfillPlanner(conf, renderer, lake, ledger.ledger());
        this.runner = session == null ? null : new BackfillRunner(conf, session, renderer, lake, ledger.ledger());
        this.verifier = session == null ? null : new Verifier(conf, session, renderer, lake);
        this.verifications = new Verifications(lake);
        this.events = events;
        this.clock = clock;
        this.session = session;
        this.lake = lake;
        this.emptyInputs = new EmptyInputs(conf, lake, renderer);
    }

    /** Refuses, before the first tick, a scheduled layer that reads a layer it does not list as upstream. */
    void checkUpstream(List<LayerConf> layers) {
        if (runner != null) {
            runner.checkUpstream(layers);
        }
    }

    void tickFailed(String layer, String error) {
        events.tickFailed(layer, error);
    }

    /** Wakes every waiting tick and lets it return; a job already submitted runs to its end. */
    void stop() {
        stopping.countDown();
        if (runner != null) {
            runner.stop();
        }
    }

    void tick(String layerName) {
        LayerConf layer = conf.layer(layerName);
        SchedulerConf scheduler = conf.scheduler();
        Instant started = clock.instant();
        List<MissingPartitions.Missing> due = duePartitions.of(layer, started);
        if (due.isEmpty()) {
            return;
        }
        events.due(layer.name(), due.stream().map(d -> d.partition().value()).toList(),
                due.stream().map(MissingPartitions.Missing::why).toList());
        Instant deadline = started.plus(scheduler.waitTimeout());
        Map<String, Partition> pending = new LinkedHashMap<>();
        due.forEach(d -> pending.put(d.partition().value(), d.partition()));
        Map<String, String> reasons = new HashMap<>();
        java.util.Set<String> handled = new java.util.HashSet<>(pending.keySet());
        Map<String, Instant> joined = new HashMap<>();
        pending.keySet().forEach(p -> joined.put(p, started));
        boolean first = true;
        while (!pending.isEmpty()) {
            if (!first) {
                takeNewlyDue(layer, pending, handled, joined);
            }
            first = false;
            ledger.refresh();
            List<Partition> ready = new ArrayList<>();
            for (Partition p : pending.values()) {
                Readiness.Verdict verdict = readiness.check(layer, p);
                if (verdict.ready()) {
                    ready.add(p);
                } else if (!verdict.reason().equals(reasons.put(p.value(), verdict.reason()))) {
                    events.waiting(layer.name(), p.value(), verdict.reason());
                }
            }
            if (!ready.isEmpty()) {
                List<Partition> toBuild = new ArrayList<>(ready);
                toBuild.removeAll(recordEmpty(layer, ready));
                if (!toBuild.isEmpty() && !runWithRetries(layer, toBuild)) {
                    return;
                }
                ready.forEach(p -> pending.remove(p.value()));
                continue;
            }
            if (!clock.instant().isBefore(deadline)) {
                // Only what waited the whole wait-timeout is late; what joined later is the next tick's.
                Map<String, Partition> waitedOut = new LinkedHashMap<>();
                pending.forEach((value, p) -> {
                    if (!clock.instant().isBefore(joined.get(value).plus(scheduler.waitTimeout()))) {
                        waitedOut.put(value, p);
                    }
                });
                markLate(layer, waitedOut, reasons, started);
                return;
            }
            if (pause(scheduler.pollInterval())) {
                return;
            }
        }
    }

    /**
     * Records the partitions whose inputs hold nothing as built with no rows, without a Flink job,
     * and returns them. The upstream snapshots are taken before the inputs are looked at, so data
     * committed meanwhile is newer than the record and makes the partition due as late data.
     */
    private List<Partition> recordEmpty(LayerConf layer, List<Partition> ready) {
        // Taken first: late-data detection compares the upstream partitions with what this read.
        LocalDateTime started = LocalDateTime.now(java.time.ZoneOffset.UTC);
        io.weir.backfill.UpstreamRead upstream = io.weir.backfill.UpstreamRead.snapshotsNow(conf, lake, layer);
        // And its own table's: a write there after this is one no build recorded.
        java.util.Optional<io.weir.runner.lake.SnapshotMark> own = lake.tableExists(layer.table())
                ? lake.latestMark(layer.table()) : java.util.Optional.empty();
        List<Partition> empty = emptyInputs.of(layer, ready);
        if (empty.isEmpty()) {
            return empty;
        }
        // Each empty partition had no file when looked at, after the mark: the record says it holds none.
        upstream = upstream.reading(lake, empty)
                .withWritten(own.orElse(io.weir.runner.lake.SnapshotMark.idOnly(0)), Map.of());
        ensureTable(layer);
        String runId = BackfillPlanner.newRunId();
        String hash = renderer.template(layer).logicHash();
        LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
        List<LedgerEntry> entries = new ArrayList<>();
        for (Partition p : empty) {
            entries.add(scheduledEntry(runId, layer, p, hash, upstream.json(p.value()), RunStatus.DONE, null, started, now));
        }
        ledger.ledger().record(entries);
        events.skippedEmpty(layer.name(), empty.stream().map(Partition::value).toList());
        return empty;
    }

    /** Creates the layer's table (DDL only, no job), so that a layer whose first partitions are empty has one. */
    private void ensureTable(LayerConf layer) {
        if (!lake.tableExists(layer.table())) {
            new TableCreator(conf, session, renderer).createMissingTable(layer);
        }
    }

    /**
     * Partitions that became due while this tick waited, such as late data into a partition built
     * before, join the wait: a tick can wait hours for one partition's upstream, and the layer's next
     * tick fires only after it. One this tick already took is left to the next tick, so a failure is
     * not retried in a loop.
     */
    private void takeNewlyDue(LayerConf layer, Map<String, Partition> pending, java.util.Set<String> handled,
            Map<String, Instant> joined) {
        Instant now = clock.instant();
        List<MissingPartitions.Missing> newly = duePartitions.of(layer, now).stream()
                .filter(d -> handled.add(d.partition().value())).toList();
        if (!newly.isEmpty()) {
            newly.forEach(d -> {
                pending.put(d.partition().value(), d.partition());
                joined.put(d.partition().value(), now);
            });
            events.joined(layer.name(), newly.stream().map(d -> d.partition().value()).toList(),
                    newly.stream().map(MissingPartitions.Missing::why).toList());
        }
    }

    /** Runs the partitions, retrying the failed ones with backoff; false when stopped meanwhile. */
    private boolean runWithRetries(LayerConf layer, List<Partition> partitions) {
        SchedulerConf scheduler = conf.scheduler();
        List<Partition> toRun = partitions;
        for (int attempt = 1; ; attempt++) {
            BackfillPlan plan = planner.scheduled(layer, toRun, scheduler.batchSize());
            int thisAttempt = attempt;
            long began = System.nanoTime();
            Map<Chunk, Long> submitted = new java.util.concurrent.ConcurrentHashMap<>();
            var result = runner.run(plan, 1, new BackfillProgress() {
                @Override
                public void started(BackfillPlan p) {}

                @Override
                public void chunkStarted(Chunk chunk) {
                    submitted.put(chunk, System.nanoTime());
                    events.submitted(layer.name(), chunk.partitionValues(), thisAttempt);
                }

                @Override
                public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {
                    if (succeeded) {
                        // From the job's submission: what the run planned and claimed before is not the job's time.
                        events.done(layer.name(), chunk.partitionValues(), rowsWritten,
                                Duration.ofNanos(System.nanoTime() - submitted.getOrDefault(chunk, began)));
                        if (layer.verify()) {
                            verify(layer, chunk.partitions());
                        }
                    }
                }

                @Override
                public void finished() {}
            });
            if (result.succeeded()) {
                return true;
            }
            Map<String, String> failed = new LinkedHashMap<>();
            for (LedgerEntry e : ledger.ledger().run(plan.runId())) {
                if (e.status() == RunStatus.FAILED) {
                    failed.put(e.partition(), e.error());
                }
            }
            toRun = toRun.stream().filter(p -> failed.containsKey(p.value())).toList();
            String error = failed.values().stream().findFirst().orElse(String.join("; ", result.failures()));
            List<String> values = toRun.stream().map(Partition::value).toList();
            if (attempt >= scheduler.maxAttempts() || toRun.isEmpty()) {
                events.failed(layer.name(), values, attempt, error, null);
                return true;
            }
            Duration backoff = scheduler.retryBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
            events.failed(layer.name(), values, attempt, error, backoff);
            if (pause(backoff)) {
                return false;
            }
        }
    }

    /**
     * Recomputes what was just built into a scratch table and compares ({@code layers[i].verify}):
     * the partitions sealed before they were built, so they must equal their recomputation. The
     * result is recorded for weir status; a verification that cannot run is reported, not fatal.
     */
    private void verify(LayerConf layer, List<Partition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            List<RowDiff.PartitionDiff> diffs = verifier.verify(layer, new io.weir.runner.conf.PartitionRange(
                    partitions.get(0).start(), partitions.get(partitions.size() - 1).end()));
            verifications.record(conf.name(), layer.table(), diffs);
            for (RowDiff.PartitionDiff d : diffs) {
                Verifications.Verification v = new Verifications.Verification(layer.table(), d.partition(),
                        clock.instant(), d.equal(), d.differing(), d.missing(), d.extra(), "");
                events.verified(layer.name(), d.partition(), v.same(),
                        v.summary() + (v.same() || d.samples().isEmpty() ? "" : "; " + d.samples().get(0)));
            }
        } catch (RuntimeException e) {
            events.tickFailed(layer.name(), "verifying " + partitions.get(0).value() + ".."
                    + partitions.get(partitions.size() - 1).value() + " failed: " + e.getMessage());
        }
    }

    private void markLate(LayerConf layer, Map<String, Partition> pending, Map<String, String> reasons, Instant started) {
        String runId = BackfillPlanner.newRunId();
        String hash = renderer.template(layer).logicHash();
        LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
        LocalDateTime tickStart = LocalDateTime.ofInstant(started, java.time.ZoneOffset.UTC);
        List<LedgerEntry> entries = new ArrayList<>();
        for (Partition p : pending.values()) {
            String reason = "waited " + conf.scheduler().waitTimeout() + " for upstream: " + reasons.get(p.value());
            entries.add(scheduledEntry(runId, layer, p, hash, "{}", RunStatus.LATE, reason, tickStart, now));
            events.late(layer.name(), p.value(), reason);
        }
        ledger.ledger().record(entries);
    }

    /** A ledger entry the tick writes itself, for a partition no job built (recorded empty, or late). */
    private LedgerEntry scheduledEntry(String runId, LayerConf layer, Partition p, String hash, String upstream,
            RunStatus status, String error, LocalDateTime started, LocalDateTime finished) {
        return new LedgerEntry(runId, layer.table(), p.value(), conf.name(), layer.name(), "schedule",
                p.start().toLocalDate().toString(), p.end().minusNanos(1).toLocalDate().toString(), hash, upstream, 0,
                status, error, started, finished, null);
    }

    /** Sleeps without spinning; true when the scheduler is stopping. */
    private boolean pause(Duration duration) {
        try {
            return stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.debug("tick interrupted");
            return true;
        }
    }
}
