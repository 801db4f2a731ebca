package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.Seals;
import io.weir.runner.session.Failures;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.JobConfigs;
import io.weir.runner.session.StreamFence;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import io.weir.runner.template.Staging;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a backfill plan on Weir's cluster: layer after layer in dependency order, each layer's chunks
 * up to K at a time, one Flink batch job per chunk. Each partition is replaced by one atomic
 * overwrite commit, so a failed or killed run leaves every partition as it was or fully replaced;
 * the ledger says which, and the next run (or --retry) finishes the rest.
 */
public final class BackfillRunner {

    private final PipelineConf conf;
    private final FlinkSession session;
    private final Renderer renderer;
    private final Lake lake;
    private final Ledger ledger;
    private final Seals seals;

    public BackfillRunner(PipelineConf conf, FlinkSession session, Renderer renderer, Lake lake, Ledger ledger) {
        this.conf = conf;
        this.session = session;
        this.renderer = renderer;
        this.lake = lake;
        this.ledger = ledger;
        this.seals = new Seals(lake);
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackfillRunner.class);

    public BackfillResult run(BackfillPlan plan, int concurrency, BackfillProgress progress) {
        checkUpstream(plan.layers().stream().map(LayerPlan::layer).toList());
        ledger.open();
        for (LedgerEntry dead : ledger.resolveInterrupted(conf.name())) {
            progress.note(dead.layer() + " partition " + (dead.partition().isEmpty() ? "(all)" : dead.partition())
                    + ": " + dead.error());
        }
        for (String orphan : OrphanedStaging.drop(lake, ledger)) {
            progress.note("dropped " + orphan + ", the staging table of a run that was killed");
        }
        progress.started(plan);
        java.util.concurrent.ScheduledExecutorService heartbeat = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "weir-lease");
                    t.setDaemon(true);
                    return t;
                });
        heartbeat.scheduleAtFixedRate(this::renewLeases, Lease.HEARTBEAT.toMillis(), Lease.HEARTBEAT.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        Tally tally = new Tally();
        String blockedBy = null;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "weir-backfill");
            t.setDaemon(true);
            return t;
        });
        try {
            for (LayerPlan layerPlan : plan.layers()) {
                if (blockedBy != null) {
                    failAll(plan, layerPlan, "not run: upstream layer " + blockedBy + " failed", tally, progress);
                    continue;
                }
                try {
                    seal(plan, layerPlan);
                } catch (RuntimeException e) {
                    stopIfDiskFull(e);
                    failAll(plan, layerPlan, conf.secrets().mask(Failures.rootCause(e)), tally, progress);
                    blockedBy = layerPlan.layer().name();
                    continue;
                }
                List<Future<ChunkOutcome>> outcomes = new ArrayList<>();
                for (Chunk chunk : layerPlan.chunks()) {
                    outcomes.add(pool.submit(() -> stopping.get() ? notRun(plan, layerPlan, chunk, progress)
                            : runChunk(plan, layerPlan, chunk, progress)));
                }
                for (Future<ChunkOutcome> future : outcomes) {
                    ChunkOutcome outcome = await(future);
                    tally.add(outcome);
                    if (outcome.error() != null) {
                        blockedBy = layerPlan.layer().name();
                    }
                }
            }
            heartbeat.shutdownNow();
            pool.shutdownNow();
            if (settleServing) {
                settleServing(plan, progress);
            }
        } finally {
            heartbeat.shutdownNow();
            pool.shutdownNow();
            progress.finished();
        }
        return new BackfillResult(plan.runId(), tally.done, tally.failed, tally.rows, tally.failures, tally.unfinished,
                ledgerComplete.get(), plan.layers().stream().map(l -> l.layer().name()).filter(keptOut::contains).toList(),
                List.copyOf(leftToOthers), staleStreamState(plan));
    }

    /**
     * Refuses a layer that does not plan, reads another layer's table without listing it as
     * upstream, or fills its partition column wrongly, before anything runs: first on a scratch
     * warehouse, so a refusal creates no table, then on the real one with the missing tables made.
     */
    public void checkUpstream(List<LayerConf> layers) {
        io.weir.runner.session.TargetColumns.check(conf, lake, renderer, layers);
        io.weir.runner.session.PlanCheck.check(conf, layers);
        new TableCreator(conf, session, renderer).createMissingTables();
        layers.forEach(layer -> io.weir.runner.session.LayerPlanCheck.check(conf, layer, session, renderer));
    }

    /** What the chunks of a run came to, added up as they end. */
    private static final class Tally {
        int done;
        int failed;
        long rows;
        final List<String> failures = new ArrayList<>();
        final List<Chunk> unfinished = new ArrayList<>();

        void add(ChunkOutcome outcome) {
            rows += outcome.rows();
            if (outcome.error() == null) {
                done += outcome.partitions();
            } else {
                failed += outcome.partitions();
                failures.add(outcome.chunk().describe() + ": " + outcome.error());
                unfinished.add(outcome.chunk());
            }
        }
    }

    /** Records every chunk of a layer as failed for one reason, without running it. */
    private void failAll(BackfillPlan plan, LayerPlan layerPlan, String reason, Tally tally, BackfillProgress progress) {
        for (Chunk chunk : layerPlan.chunks()) {
            recordOrNote(entries(plan, layerPlan, chunk, RunStatus.FAILED, reason, UpstreamRead.none(conf, chunk.layer())));
            tally.add(new ChunkOutcome(chunk, chunk.partitionValues().size(), 0, reason));
            progress.chunkFinished(chunk, 0, false);
        }
    }

    /**
     * A chunk the run did not start because it stopped: on a full disk it counts as failed, so the
     * summary names it (the ledger cannot take it); after {@link #stop()} it is left for the next
     * run or tick.
     */
    private ChunkOutcome notRun(BackfillPlan plan, LayerPlan layerPlan, Chunk chunk, BackfillProgress progress) {
        unsealUnbuilt(plan, chunk);
        String because = stoppedBecause;
        if (because == null) {
            return new ChunkOutcome(chunk, 0, 0, null);
        }
        String reason = "not run: " + because;
        // Each write to a full disk fails only after Paimon's retries: not tried again for every chunk.
        ledgerComplete.set(false);
        progress.chunkFinished(chunk, 0, false);
        return new ChunkOutcome(chunk, chunk.partitionValues().size(), 0, reason);
    }

    /** Records entries; one the ledger cannot take (its disk is full) is noted, and the run goes on. */
    private void recordOrNote(List<LedgerEntry> entries) {
        try {
            ledger.record(entries);
        } catch (RuntimeException e) {
            ledgerComplete.set(false);
            LOG.debug("could not record {} ledger entries: {}", entries.size(), e.getMessage());
        }
    }

    /** A full disk fails every later write alike: the run starts no more chunks. */
    private void stopIfDiskFull(Throwable error) {
        if (Failures.isDiskFull(error)) {
            stoppedBecause = "the run stopped when the disk filled up";
            stopping.set(true);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean ledgerComplete = new java.util.concurrent.atomic.AtomicBoolean(true);
    private final List<String> leftToOthers = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile String stoppedBecause;

    private ChunkOutcome runChunk(BackfillPlan plan, LayerPlan layerPlan, Chunk chunk, BackfillProgress progress) {
        List<LedgerEntry> running = entries(plan, layerPlan, chunk, RunStatus.RUNNING, null, upstreamRead(chunk.layer(), List.of()))
                .stream().map(e -> e.withLease(new Lease(Lease.currentOwner(), java.time.Instant.now()))).toList();
        Optional<LedgerEntry> taken;
        try {
            taken = ledger.claim(running);
        } catch (RuntimeException e) {
            // Not started, so nothing to undo; but the ledger holds no word of this chunk.
            stopIfDiskFull(e);
            ledgerComplete.set(false);
            progress.chunkFinished(chunk, 0, false);
            return new ChunkOutcome(chunk, chunk.partitionValues().size(), 0,
                    "not started: the ledger could not record it: " + conf.secrets().mask(Failures.rootCause(e)));
        }
        if (taken.isPresent()) {
            String why = "run " + taken.get().runId() + " (" + (taken.get().lease() == null ? "?" : taken.get().lease().owner())
                    + ") is building it now; left to it";
            leftToOthers.add(chunk.describe() + ": " + why);
            progress.chunkLeftToOtherRun(chunk, why);
            return new ChunkOutcome(chunk, 0, 0, null);
        }
        leased.addAll(running);
        try {
            UpstreamRead upstream = writtenBy(chunk, rebuildUntilSettled(chunk, progress));
            resyncServing(chunk);
            Map<String, Long> counts = rowsWritten(chunk);
            LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
            List<LedgerEntry> finished = new ArrayList<>();
            for (LedgerEntry entry : running) {
                finished.add(entry.withUpstream(upstream.json(entry.partition()))
                        .finished(RunStatus.DONE, counts.getOrDefault(entry.partition(), 0L), null, now));
            }
            synchronized (leased) {
                ledger.record(finished);
                leased.removeAll(running);
            }
            long rows = finished.stream().mapToLong(LedgerEntry::rowsWritten).sum();
            progress.chunkFinished(chunk, rows, true);
            return new ChunkOutcome(chunk, chunk.partitionValues().size(), rows, null);
        } catch (Exception e) {
            stopIfDiskFull(e);
            String error = conf.secrets().mask(Failures.rootCause(e));
            LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
            unsealUnbuilt(plan, chunk);
            synchronized (leased) {
                leased.removeAll(running);
                recordOrNote(running.stream().map(entry -> entry.finished(RunStatus.FAILED, 0, error, now)).toList());
            }
            progress.chunkFinished(chunk, 0, false);
            return new ChunkOutcome(chunk, chunk.partitionValues().size(), 0, error);
        }
    }

    /**
     * Rebuilds the chunk until no stream change to its partitions slipped past the rebuild, and
     * returns the upstream state the last rebuild read.
     *
     * <p>The layer's sealed partitions were recorded as batch's before its first chunk (see
     * {@link #seal}), so a stream whose sealed partitions belong to batch stops writing them. Each
     * round overwrites the partitions and looks at the stream's commits into them since the round began: one committed before the
     * overwrite was replaced by it, so a change the rebuild may not have read is lost; one committed
     * after it into a partition batch owns is a stale write that beat the seal. Either way the round
     * is repeated: the next one reads those changes.
     */
    private UpstreamRead rebuildUntilSettled(Chunk chunk, BackfillProgress progress) throws Exception {
        String table = chunk.layer().table();
        Sealing sealing = sealings.get(chunk.layer().name());
        List<String> owned = sealing == null ? List.of() : chunk.partitionValues().stream()
                .filter(sealing.partitions()::contains).toList();
        for (int round = 1; ; round++) {
            UpstreamRead upstream = upstreamRead(chunk.layer(), chunk.partitions());
            long roundStart = lake.latestSnapshotId(table).orElse(0L);
            try {
                overwrite(chunk, progress, round == 1);
            } catch (Exception e) {
                // The stream's writer compacted the partition's files while the overwrite committed:
                // Paimon refused the overwrite whole, so nothing was written and the round is redone.
                if (round == MAX_ROUNDS || !Failures.isCommitConflict(Failures.rootCause(e))) {
                    throw e;
                }
                LOG.info("{}: the stream's writer committed to the same files; rebuilding again", chunk.describe());
                continue;
            }
            if (!owned.isEmpty()) {
                long settle = sealing.settledAt() - System.currentTimeMillis();
                if (settle > 0) {
                    Thread.sleep(settle);
                }
            }
            StreamChanges missed = missedStreamChanges(chunk, roundStart, owned);
            if (missed.none()) {
                return upstream;
            }
            if (missed.outranked().isEmpty() && owned.stream().noneMatch(missed.lost()::contains)) {
                Optional<StreamCommitReplay.WriteBack> writeBack = replayed(chunk, roundStart, missed.lost());
                if (writeBack.isPresent()) {
                    java.util.Set<String> below = rankingBelowWriteBack(chunk, writeBack.get());
                    if (below.isEmpty()) {
                        return upstream;
                    }
                    missed = new StreamChanges(java.util.Set.of(), below);
                }
            }
            if (round == MAX_ROUNDS) {
                throw new IllegalStateException(missed.outranked().isEmpty()
                        ? "the stream kept changing partitions " + missed.lost() + " of " + table + " while they were"
                                + " rebuilt (" + MAX_ROUNDS + " rounds)" + lostStreamChanges(missed.lost(), owned)
                                + "; run the backfill again when they are quiet"
                        : "the stream's writer numbers its rows of " + table + " partitions " + missed.outranked()
                                + " below the rebuild's in Paimon's write order (it kept writing them since before the"
                                + " rebuild), so the rebuild's rows would win over its newer ones; restart the stream"
                                + " (its writers then count on after the rebuild) or stop it, and run the backfill again");
            }
            LOG.info("{}: the stream changed {} during the rebuild; rebuilding again", chunk.describe(), missed.all());
        }
    }

    /**
     * The last round's overwrite replaced stream commits it may not have read. Where the stream owns
     * the partitions, those changes are now missing from them, and the stream will not send them
     * again: say so, since only a rebuild brings them back.
     */
    private static String lostStreamChanges(java.util.Set<String> lost, List<String> owned) {
        java.util.Set<String> streamOwned = new java.util.TreeSet<>(lost);
        streamOwned.removeAll(owned);
        return streamOwned.isEmpty() ? "" : "; its last overwrite replaced changes the stream had committed to "
                + streamOwned + ", which now lack them until they are rebuilt";
    }

    /**
     * Writes the stream's commits that the overwrite replaced back into the table, when its merge
     * makes that exact ({@link StreamCommitReplay}); false when it does not, or the replay failed
     * (the snapshots it needs expired): the round is then repeated.
     */
    private Optional<StreamCommitReplay.WriteBack> replayed(Chunk chunk, long roundStart, java.util.Set<String> missed) {
        org.apache.paimon.table.FileStoreTable table = lake.table(chunk.layer().table());
        if (!StreamCommitReplay.applies(table)) {
            return Optional.empty();
        }
        try {
            StreamCommitReplay.WriteBack writeBack = StreamCommitReplay.replay(table, roundStart, missed);
            LOG.info("{}: wrote back {} rows the stream committed to {} during the rebuild", chunk.describe(),
                    writeBack.rows(), missed);
            return Optional.of(writeBack);
        } catch (Exception e) {
            LOG.info("{}: could not write back the stream's commits ({}); rebuilding again", chunk.describe(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A stream writer that started on a bucket between the overwrite and the write-back commits its
     * rows at the checkpoint in flight or the next one: waits for two stream commits after the
     * write-back (at most two checkpoint intervals), then asks whether one ranks below the copies.
     */
    private java.util.Set<String> rankingBelowWriteBack(Chunk chunk, StreamCommitReplay.WriteBack writeBack)
            throws InterruptedException {
        org.apache.paimon.table.FileStoreTable table = lake.table(chunk.layer().table());
        long deadline = System.currentTimeMillis() + conf.flink().checkpointInterval().multipliedBy(2).plusSeconds(1).toMillis();
        try {
            while (System.currentTimeMillis() < deadline
                    && StreamCommitReplay.streamCommitsAfter(table, writeBack).size() < 2) {
                Thread.sleep(200);
            }
            return StreamCommitReplay.rankingBelowWriteBack(table, writeBack);
        } catch (RuntimeException e) {
            // A snapshot expired meanwhile: what it wrote cannot be ranked, so the round is redone.
            LOG.info("{}: could not rank the stream's commits after the write-back ({})", chunk.describe(), e.getMessage());
            return new java.util.TreeSet<>(chunk.partitionValues());
        }
    }

    /** The RUNNING entries of this runner, whose leases it renews while it lives. */
    private final java.util.Set<LedgerEntry> leased = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void renewLeases() {
        java.time.Instant now = java.time.Instant.now();
        // Under the same lock as a chunk's final record, so a renewal never writes RUNNING over DONE.
        synchronized (leased) {
            List<LedgerEntry> renewed = leased.stream()
                    .map(e -> e.withLease(new Lease(e.lease().owner(), now))).toList();
            try {
                ledger.record(renewed);
            } catch (RuntimeException e) {
                // Said once: a full disk would repeat it every heartbeat, and the run's summary names the cause.
                if (renewalFailed.compareAndSet(false, true)) {
                    LOG.warn("could not renew the leases of running partitions: {}", Failures.rootCause(e));
                } else {
                    LOG.debug("could not renew the leases of running partitions: {}", e.getMessage());
                }
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean renewalFailed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Rounds of one chunk's rebuild before the stream's changes are reported as not settling. */
    private static final int MAX_ROUNDS = 4;

    /**
     * The stream's commits since a round began that its overwrite does not account for. {@code lost}:
     * committed before the overwrite (replaced by it), or after it into a partition batch owns (a
     * stale write that beat the seal). {@code outranked}: committed after it with write positions at or
     * below the overwrite's in the same bucket, so the rebuild's rows would win the ties against them.
     */
    record StreamChanges(java.util.Set<String> lost, java.util.Set<String> outranked) {
        boolean none() {
            return lost.isEmpty() && outranked.isEmpty();
        }

        java.util.Set<String> all() {
            java.util.Set<String> all = new java.util.TreeSet<>(lost);
            all.addAll(outranked);
            return all;
        }
    }

    private StreamChanges missedStreamChanges(Chunk chunk, long roundStart, List<String> owned) {
        String table = chunk.layer().table();
        List<Lake.Commit> commits = lake.commitsSince(table, roundStart);
        long lastOverwrite = commits.stream().filter(c -> c.kind() == org.apache.paimon.Snapshot.CommitKind.OVERWRITE)
                .mapToLong(Lake.Commit::snapshotId).max().orElse(Long.MAX_VALUE);
        java.util.Set<String> chunkPartitions = new java.util.HashSet<>(chunk.partitionValues().isEmpty()
                ? List.of("") : chunk.partitionValues());
        java.util.Set<String> lost = new java.util.TreeSet<>();
        java.util.Set<String> outranked = new java.util.TreeSet<>();
        org.apache.paimon.table.FileStoreTable paimon = lake.table(table);
        Map<WriteRanks.Bucket, WriteRanks.Range> rebuilt = null;
        for (Lake.Commit commit : commits) {
            if (commit.kind() == org.apache.paimon.Snapshot.CommitKind.OVERWRITE) {
                continue;
            }
            java.util.Set<String> touched = new java.util.TreeSet<>(commit.partitions());
            touched.retainAll(chunkPartitions);
            for (String partition : touched) {
                if (commit.snapshotId() < lastOverwrite || owned.contains(partition)) {
                    lost.add(partition);
                }
            }
            if (commit.snapshotId() > lastOverwrite && !touched.isEmpty()) {
                if (rebuilt == null) {
                    rebuilt = WriteRanks.added(paimon, lastOverwrite);
                }
                java.util.Set<String> below = WriteRanks.rankingBelow(WriteRanks.added(paimon, commit.snapshotId()), rebuilt);
                below.retainAll(touched);
                outranked.addAll(below);
            }
        }
        return new StreamChanges(lost, outranked);
    }

    /** One overwrite of the chunk's partitions (after staging the source for a CDC layer). */
    private void overwrite(Chunk chunk, BackfillProgress progress, boolean firstRound) throws Exception {
        RenderedLayer rendered = chunk.rendered();
        rendered.staging().ifPresent(staging -> runStaging(chunk, staging));
        long snapshotBefore = lake.latestSnapshotId(chunk.layer().table()).orElse(0L);
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH,
                JobConfigs.batch(conf, "backfill " + chunk.describe()));
        rendered.setupStatements().forEach(tEnv::executeSql);
        StatementSet statements = tEnv.createStatementSet();
        rendered.inserts().forEach(statements::addInsertSql);
        if (firstRound) {
            progress.chunkStarted(chunk);
        }
        statements.execute().await();
        rendered.staging().ifPresent(staging -> tEnv.executeSql(staging.dropTable()));
        if (chunk.partitions().size() > 1) {
            dropPartitionsLeftUnwritten(chunk, snapshotBefore);
        }
    }

    /**
     * Records the layer's sealed partitions of this plan as batch's before its first chunk runs, so
     * one wait for the stream to see the seal serves every chunk. The wait is needed only while a
     * stream is writing the table: a stream quiet for longer than its lookup refresh reads the seals
     * afresh on its next row.
     */
    private void seal(BackfillPlan plan, LayerPlan layerPlan) {
        LayerConf layer = layerPlan.layer();
        sealings.remove(layer.name());
        if (!layer.partitioned()) {
            return;
        }
        List<io.weir.runner.conf.Partition> all = layerPlan.chunks().stream().flatMap(c -> c.partitions().stream()).toList();
        List<String> sealed = new Closing(conf, lake, java.time.Clock.systemUTC()).sealedPartitions(layer, all);
        java.util.Set<String> before = seals.of(layer.table());
        newlySealed.put(layer.name(), sealed.stream().filter(p -> !before.contains(p)).collect(
                java.util.stream.Collectors.toUnmodifiableSet()));
        seals.seal(layer.table(), sealed, plan.runId());
        if (sealed.isEmpty() || !fenced(layer)) {
            return;
        }
        long now = System.currentTimeMillis();
        long delay = StreamFence.delay(conf).toMillis();
        boolean streaming = lake.lastStreamCommitMillis(layer.table(),
                now - 10 * conf.flink().checkpointInterval().toMillis() - delay).isPresent();
        sealings.put(layer.name(), new Sealing(java.util.Set.copyOf(sealed), streaming ? now + delay : now));
        if (streaming) {
            keptOut.add(layer.name());
        }
    }

    /**
     * Open partitions a running stream with state still writes: the stream's state never saw the
     * rebuild (an aggregate's state keeps its old value), so its next change to a key writes over it.
     */
    private java.util.Map<String, List<String>> staleStreamState(BackfillPlan plan) {
        java.util.Map<String, List<String>> stale = new java.util.LinkedHashMap<>();
        for (LayerPlan layerPlan : plan.layers()) {
            LayerConf layer = layerPlan.layer();
            // A stream that is stopped now keeps its state in its savepoint, and resumes with it.
            if (layerPlan.openPartitions().isEmpty() || lake.lastStreamCommitMillis(layer.table(), 0).isEmpty()
                    || !fenced(layer)) {
                continue;
            }
            List<io.weir.runner.conf.Partition> rebuilt = layerPlan.chunks().stream().flatMap(c -> c.partitions().stream()).toList();
            List<String> open = List.copyOf(new Closing(conf, lake, java.time.Clock.systemUTC())
                    .openPartitions(layer, rebuilt).keySet());
            if (!open.isEmpty()) {
                stale.put(layer.name(), open);
            }
        }
        return stale;
    }

    /** Per layer, the partitions this run sealed that no run had sealed before. */
    private final Map<String, java.util.Set<String>> newlySealed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A chunk that did not build its partitions gives back to the stream those this run was first to
     * seal: the table is as it was, and so is who writes it. Rows the stream dropped while they were
     * sealed are missing from them until a rebuild, which the chunk's FAILED entry asks for.
     */
    private void unsealUnbuilt(BackfillPlan plan, Chunk chunk) {
        java.util.Set<String> mine = newlySealed.getOrDefault(chunk.layer().name(), java.util.Set.of());
        List<String> giveBack = chunk.partitionValues().stream().filter(mine::contains).toList();
        if (giveBack.isEmpty()) {
            return;
        }
        try {
            seals.unseal(chunk.layer().table(), giveBack, plan.runId());
        } catch (RuntimeException e) {
            LOG.warn("Could not give partitions {} of {} back to the stream: {}", giveBack, chunk.layer().table(),
                    conf.secrets().mask(Failures.rootCause(e)));
        }
    }

    /** A layer's partitions that batch now owns, and when a running stream has surely seen that. */
    private record Sealing(java.util.Set<String> partitions, long settledAt) {}

    private final Map<String, Sealing> sealings = new java.util.concurrent.ConcurrentHashMap<>();

    /** Layers whose running stream keeps out of the partitions this runner sealed. */
    private final java.util.Set<String> keptOut = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Whether the layer's stream keeps out of sealed partitions; planned once per layer and runner. */
    private boolean fenced(LayerConf layer) {
        return fencedLayers.computeIfAbsent(layer.name(), n -> StreamFence.applies(layer, session, renderer));
    }

    private final Map<String, Boolean> fencedLayers = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A range is overwritten in Paimon's dynamic mode, which replaces only the partitions the query
     * produced rows for. A partition of the range it produced nothing for (its source rows are gone)
     * must end empty too, so it is dropped.
     */
    private void dropPartitionsLeftUnwritten(Chunk chunk, long snapshotBefore) {
        String table = chunk.layer().table();
        java.util.Set<String> written = lake.partitionsWrittenSince(table, snapshotBefore);
        Map<String, Long> existing = lake.partitionRecordCounts(table);
        List<String> stale = chunk.partitionValues().stream()
                .filter(p -> existing.getOrDefault(p, 0L) > 0 && !written.contains(p))
                .toList();
        lake.dropPartitions(table, stale);
    }

    /**
     * An overwrite reaches no streaming reader, so the serving copy of a rewritten partition is
     * replaced here, in one transaction. If that fails the chunk fails: a retry redoes both.
     */
    private void resyncServing(Chunk chunk) {
        String table = chunk.layer().table();
        if (!conf.servedTables().contains(table) || chunk.partitions().isEmpty()) {
            return;
        }
        try {
            new io.weir.runner.serving.ServingSync(conf, lake).resync(table, chunk.partitionValues());
        } catch (RuntimeException e) {
            throw new IllegalStateException("the lake partitions are rebuilt, but the serving re-sync failed: "
                    + e.getMessage(), e);
        }
    }

    private boolean settleServing = true;

    /**
     * Leaves the serving partitions that a stopped sync job could still undo pending, instead of
     * waiting for the job at the end of the run: for a caller that starts the job itself next.
     */
    public BackfillRunner leavingServingPending() {
        settleServing = false;
        return this;
    }

    /**
     * Replaces again the served partitions whose sync job had not read every commit before their
     * overwrite, once it has: one wait per run, not per chunk. A stopped job leaves them pending.
     */
    private void settleServing(BackfillPlan plan, BackfillProgress progress) {
        java.util.Set<String> tables = new java.util.TreeSet<>();
        plan.layers().forEach(l -> tables.add(l.layer().table()));
        tables.retainAll(conf.servedTables());
        if (tables.isEmpty()) {
            return;
        }
        io.weir.runner.serving.ServingSync sync = new io.weir.runner.serving.ServingSync(conf, lake);
        for (String table : tables) {
            if (sync.pending(table).isEmpty()) {
                continue;
            }
            try {
                Map<String, Long> left = sync.settle(table);
                if (!left.isEmpty()) {
                    progress.note("serving " + table + ": " + left.size() + " partition(s) replaced, but its sync job"
                            + " has not read the commits made before the overwrite yet (is weir stream running?);"
                            + " they are replaced again once it has: by weir stream, the next backfill, or weir sync");
                }
            } catch (RuntimeException e) {
                progress.note("serving " + table + ": pending partitions not replaced again yet: "
                        + conf.secrets().mask(Failures.rootCause(e)));
            }
        }
    }

    /** Step 1 of a CDC layer's backfill: a bounded streaming job copies the range into staging. */
    private void runStaging(Chunk chunk, Staging staging) {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING,
                JobConfigs.boundedStream(conf, "backfill snapshot " + chunk.describe()));
        try {
            staging.setupStatements(chunk.rendered().catalogStatements()).forEach(tEnv::executeSql);
            tEnv.executeSql(staging.insert()).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            tEnv.executeSql(staging.dropTable());
            throw new IllegalStateException("snapshot of the source failed: " + Failures.rootCause(e), e);
        }
    }

    /** The build's record, with its own partitions as it left them. */
    private UpstreamRead writtenBy(Chunk chunk, UpstreamRead read) {
        String table = chunk.layer().table();
        java.util.Optional<io.weir.runner.lake.SnapshotMark> snapshot = lake.latestMark(table);
        return snapshot.isEmpty() || chunk.partitions().isEmpty() ? read
                : read.withWritten(snapshot.get(),
                        lake.partitionFiles(table, snapshot.get().id(), chunk.partitionValues()));
    }

    private Map<String, Long> rowsWritten(Chunk chunk) {
        String table = chunk.layer().table();
        if (chunk.partitions().isEmpty()) {
            Long total = lake.table(table).snapshotManager().latestSnapshot().totalRecordCount();
            return Map.of("", total == null ? 0L : total);
        }
        return lake.partitionRecordCounts(table);
    }

    /**
     * What a build of {@code partitions} reads upstream, taken before it starts: the upstream
     * tables' newest snapshots, and the digests of the upstream partitions it reads.
     */
    public UpstreamRead upstreamRead(LayerConf layer, java.util.Collection<io.weir.runner.conf.Partition> partitions) {
        return UpstreamRead.now(conf, lake, layer, partitions);
    }

    private List<LedgerEntry> entries(BackfillPlan plan, LayerPlan layerPlan, Chunk chunk, RunStatus status,
            String error, UpstreamRead upstream) {
        LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
        List<LedgerEntry> entries = new ArrayList<>();
        for (String partition : chunk.partitionValues()) {
            entries.add(new LedgerEntry(plan.runId(), chunk.layer().table(), partition, conf.name(),
                    chunk.layer().name(), plan.mode(), plan.from().toString(), plan.to().toString(),
                    layerPlan.sqlHash(), upstream.json(partition), 0, status, error, now,
                    status == RunStatus.RUNNING ? null : now, plan.retryOf()));
        }
        return entries;
    }

    private static ChunkOutcome await(Future<ChunkOutcome> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private record ChunkOutcome(Chunk chunk, int partitions, long rows, String error) {}

    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Lets the chunks that run finish and starts no more: their partitions stay unbuilt, so the next
     * run (or tick) takes them. A scheduler's --duration stops on time this way, not after its backlog.
     */
    public void stop() {
        stopping.set(true);
    }
}
