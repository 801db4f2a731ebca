package io.weir.backfill;

import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.predicate.PredicateBuilder;
import org.apache.paimon.table.FileStoreTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The run ledger, kept in the warehouse itself so the record of what built each partition lives and
 * moves with the data. Two Paimon tables, written with Paimon's Java API (no Flink job):
 * <ul>
 *   <li>{@code run_log}, the history: every state of every (run, table, partition),
 *       partitioned by the run's day, so recent runs and one run are read without the rest;</li>
 *   <li>{@code partition_state}, the current state: the newest entry per (pipeline, table,
 *       partition), partitioned by pipeline and table, which planning and status read.</li>
 * </ul>
 * Both stay small to read however long the history grows: each is compacted every
 * {@link LedgerTables#COMPACT_EVERY} commits.
 */
public final class Ledger {

    /** One claim at a time in this process: an operating-system lock is held per process, not per thread. */
    private static final Object CLAIMING = new Object();
    private static final String CLAIM_LOCK = "weir-ledger-claims.lock";

    private final Catalog catalog;
    private final LedgerTables tables;
    private final Path claimLock;

    public Ledger(Lake lake) {
        this.catalog = lake.catalog();
        this.tables = new LedgerTables(catalog, lake.ledgerDatabase());
        this.claimLock = io.weir.runner.lake.LockFiles.fileFor(lake.warehouseUri(), CLAIM_LOCK);
    }

    /** Creates the ledger tables if missing (and moves a ledger of an older Weir into them). */
    public Ledger open() {
        tables.open();
        return this;
    }

    /**
     * Records every RUNNING entry whose process is gone as FAILED (interrupted), so its partitions
     * are built again by the next backfill or scheduled tick; returns what it resolved. An entry whose
     * end reached the history but not the current state (the process died between the two commits)
     * gets that end instead.
     */
    public List<LedgerEntry> resolveInterrupted(String pipeline) {
        Instant now = Instant.now();
        LocalDateTime at = LocalDateTime.now(ZoneOffset.UTC);
        List<LedgerEntry> resolved = new ArrayList<>();
        List<LedgerEntry> completed = new ArrayList<>();
        Map<String, List<LedgerEntry>> runs = new HashMap<>();
        for (LedgerEntry e : states(pipeline, null)) {
            if (!e.interrupted(now)) {
                continue;
            }
            Optional<LedgerEntry> ended = runs.computeIfAbsent(e.runId(), this::run).stream()
                    .filter(h -> h.table().equals(e.table()) && h.partition().equals(e.partition())
                            && h.status() != RunStatus.RUNNING)
                    .findFirst();
            if (ended.isPresent()) {
                completed.add(ended.get());
            } else {
                resolved.add(e.finished(RunStatus.FAILED, 0, "interrupted: run " + e.runId() + " ("
                        + (e.lease() == null || e.lease().owner() == null ? "an older Weir" : e.lease().owner())
                        + ") stopped while it built this partition", at));
            }
        }
        record(completed);
        record(resolved);
        return resolved;
    }

    /**
     * Records RUNNING entries of one table unless another live run is building one of their
     * partitions now, in which case nothing is recorded and one of its entries is returned. Checking
     * and recording happen under a lock that every Weir process on this host shares (the warehouse's
     * own directory, when it is local), so two runs that planned the same partitions at once, a
     * backfill and a scheduler tick say, cannot both start building them.
     */
    public Optional<LedgerEntry> claim(List<LedgerEntry> running) {
        if (running.isEmpty()) {
            return Optional.empty();
        }
        synchronized (CLAIMING) {
            try {
                Files.createDirectories(claimLock.getParent());
                try (FileChannel channel = FileChannel.open(claimLock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock held = channel.lock()) {
                    Optional<LedgerEntry> other = buildingElsewhere(running);
                    if (other.isEmpty()) {
                        record(running);
                    }
                    return other;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + claimLock, e);
            }
        }
    }

    /** A live RUNNING entry of another run on one of the entries' partitions, if any. */
    private Optional<LedgerEntry> buildingElsewhere(List<LedgerEntry> running) {
        Instant now = Instant.now();
        LedgerEntry first = running.get(0);
        Set<String> partitions = new HashSet<>();
        running.forEach(e -> partitions.add(e.partition()));
        return states(first.pipeline(), first.table()).stream()
                .filter(e -> partitions.contains(e.partition()) && e.status() == RunStatus.RUNNING
                        && !e.runId().equals(first.runId()) && !e.interrupted(now))
                .findFirst();
    }

    /** Appends the entries to the history and makes them their partitions' current state. */
    public synchronized void record(List<LedgerEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        tables.write(entries);
    }

    /** Every entry of the history, oldest first. Reads it all: for tests and exports, not for planning. */
    public List<LedgerEntry> entries() {
        return sorted(tables.existingLog().map(t -> LedgerRows.entries(Lake.rows(t))).orElse(List.of()));
    }

    /**
     * The newest entries of a pipeline that pass {@code filter}, oldest first: days of history are read
     * newest first until {@code enough} holds for what was found, so the cost follows what is shown.
     */
    public List<LedgerEntry> recent(String pipeline, Predicate<LedgerEntry> filter, Predicate<List<LedgerEntry>> enough) {
        Optional<FileStoreTable> log = tables.existingLog();
        if (log.isEmpty()) {
            return List.of();
        }
        List<String> days = LedgerTables.days(log.get());
        List<LedgerEntry> found = new ArrayList<>();
        for (int i = days.size() - 1; i >= 0 && !enough.test(found); i--) {
            for (LedgerEntry e : LedgerRows.entries(Lake.rows(log.get(), null,
                    Map.of(LedgerTables.RUN_DAY, days.get(i))))) {
                if (pipeline.equals(e.pipeline()) && filter.test(e)) {
                    found.add(e);
                }
            }
        }
        return sorted(found);
    }

    /** Changes whenever anything is recorded (0 when nothing was). */
    public long version() {
        return tables.stateVersion();
    }

    /** Changes whenever the history (the log) takes a commit, which follows the state's (0 when nothing was). */
    public long logVersion() {
        return tables.logVersion();
    }

    /** Every entry of one run, oldest first: one day of history is read. */
    public List<LedgerEntry> run(String runId) {
        Optional<FileStoreTable> log = tables.existingLog();
        if (log.isEmpty()) {
            return List.of();
        }
        PredicateBuilder builder = new PredicateBuilder(log.get().rowType());
        int index = log.get().rowType().getFieldNames().indexOf("run_id");
        List<LedgerEntry> entries = LedgerRows.entries(Lake.rows(log.get(), builder.equal(index,
                BinaryString.fromString(runId)), Map.of(LedgerTables.RUN_DAY, LedgerTables.runDay(runId))));
        return sorted(entries.stream().filter(e -> e.runId().equals(runId)).toList());
    }

    /** The current state of every partition of a table (the newest entry of each). */
    public Map<String, LedgerEntry> latestByPartition(String pipeline, String tableName) {
        Map<String, LedgerEntry> latest = new HashMap<>();
        for (LedgerEntry e : states(pipeline, tableName)) {
            latest.put(e.partition(), e);
        }
        return latest;
    }

    public Optional<LedgerEntry> latest(String pipeline, String tableName, String partition) {
        return Optional.ofNullable(latestByPartition(pipeline, tableName).get(partition));
    }

    /** The current state of every partition of a pipeline, by table. */
    public Map<String, Map<String, LedgerEntry>> states(String pipeline) {
        Map<String, Map<String, LedgerEntry>> byTable = new LinkedHashMap<>();
        for (LedgerEntry e : states(pipeline, null)) {
            byTable.computeIfAbsent(e.table(), t -> new HashMap<>()).put(e.partition(), e);
        }
        return byTable;
    }

    /**
     * The tables of a pipeline whose ledger state changed after {@code version} (a {@link #version()}),
     * read from the commits since: a reader of the state then re-reads those tables only. Empty when
     * that history is gone, or was overwritten: read everything.
     */
    public Optional<Set<String>> tablesChangedSince(String pipeline, long version) {
        Optional<FileStoreTable> state = tables.existingState();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        org.apache.paimon.utils.SnapshotManager snapshots = state.get().snapshotManager();
        Long latest = snapshots.latestSnapshotId();
        Long earliest = snapshots.earliestSnapshotId();
        if (latest == null || version <= 0 || latest < version || earliest == null || earliest > version + 1) {
            return Optional.empty();
        }
        Set<String> changed = new TreeSet<>();
        try {
            for (long id = version + 1; id <= latest; id++) {
                org.apache.paimon.Snapshot.CommitKind kind = snapshots.snapshot(id).commitKind();
                if (kind == org.apache.paimon.Snapshot.CommitKind.OVERWRITE) {
                    return Optional.empty();
                }
                if (kind == org.apache.paimon.Snapshot.CommitKind.COMPACT) {
                    continue; // rewrites what is there: no state changes
                }
                for (org.apache.paimon.table.source.DataSplit split : state.get().newSnapshotReader().withSnapshot(id)
                        .withMode(org.apache.paimon.table.source.ScanMode.DELTA).read().dataSplits()) {
                    if (split.partition().getString(0).toString().equals(pipeline)) {
                        changed.add(split.partition().getString(1).toString());
                    }
                }
            }
        } catch (RuntimeException expiredMeanwhile) {
            return Optional.empty();
        }
        return Optional.of(changed);
    }

    /** Ids of the runs, of any pipeline, that have an entry RUNNING in a process still alive. */
    public Set<String> liveRunIds() {
        Optional<FileStoreTable> state = tables.existingState();
        if (state.isEmpty()) {
            return Set.of();
        }
        Instant now = Instant.now();
        Set<String> live = new HashSet<>();
        for (LedgerEntry e : LedgerRows.entries(Lake.rows(state.get(), null, Map.of()))) {
            if (e.status() == RunStatus.RUNNING && !e.interrupted(now)) {
                live.add(e.runId());
            }
        }
        return live;
    }

    /** Current states of a pipeline, of one table or (null) all: only those partitions of the state table are read. */
    private List<LedgerEntry> states(String pipeline, String tableName) {
        Optional<FileStoreTable> state = tables.existingState();
        if (state.isEmpty()) {
            return List.of();
        }
        Map<String, String> partition = tableName == null ? Map.of(LedgerTables.PIPELINE, pipeline)
                : Map.of(LedgerTables.PIPELINE, pipeline, LedgerTables.TABLE_NAME, tableName);
        return LedgerRows.entries(Lake.rows(state.get(), null, partition));
    }

    private static List<LedgerEntry> sorted(List<LedgerEntry> entries) {
        List<LedgerEntry> sorted = new ArrayList<>(entries);
        sorted.sort(LedgerEntry.CHRONOLOGICAL);
        return sorted;
    }
}
