package io.weir.backfill;

import io.weir.runner.lake.Lake;
import org.apache.paimon.CoreOptions;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The ledger's two Paimon tables: their schemas, writes, compaction, and the move from the old single table. */
final class LedgerTables {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerTables.class);

    static final String LOG_NAME = io.weir.runner.lake.LedgerTableNames.RUN_LOG;
    static final String STATE_NAME = io.weir.runner.lake.LedgerTableNames.PARTITION_STATE;
    static final String LEGACY_MOVED_NAME = io.weir.runner.lake.LedgerTableNames.LEGACY_MOVED;

    static final String RUN_DAY = "run_day";
    static final String PIPELINE = "pipeline";
    static final String TABLE_NAME = "table_name";

    /**
     * Several Weir processes write the ledger, so its writers never compact (their commits then never
     * conflict); one writer in this many commits compacts what it touched, in a commit of its own
     * that may lose a race harmlessly.
     */
    static final int COMPACT_EVERY = 5;

    private final Catalog catalog;
    private final String database;
    private final Identifier log;
    private final Identifier state;
    /** The one table of Weir before the ledger was split; moved into the two on first open. */
    private final Identifier legacy;
    private final Identifier legacyMoved;
    private volatile boolean opened;
    private final Versions stateSnapshots;
    private final Versions logSnapshots;

    LedgerTables(Catalog catalog, String database) {
        this.catalog = catalog;
        this.database = database;
        this.log = Identifier.create(database, LOG_NAME);
        this.state = Identifier.create(database, STATE_NAME);
        this.legacy = Identifier.create(database, io.weir.runner.lake.LedgerTableNames.LEGACY_RUNS);
        this.legacyMoved = Identifier.create(database, LEGACY_MOVED_NAME);
        this.stateSnapshots = new Versions(state);
        this.logSnapshots = new Versions(log);
    }

    synchronized void open() {
        if (opened) {
            return;
        }
        try {
            catalog.createDatabase(database, true);
            catalog.createTable(log, schema(List.of(RUN_DAY), List.of(RUN_DAY, "run_id", TABLE_NAME, "partition_value")),
                    true);
            catalog.createTable(state, schema(List.of(PIPELINE, TABLE_NAME),
                    List.of(PIPELINE, TABLE_NAME, "partition_value")), true);
            moveLegacy();
            opened = true;
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Schema schema(List<String> partitionKeys, List<String> primaryKey) {
        Schema.Builder builder = Schema.newBuilder();
        if (partitionKeys.contains(RUN_DAY)) {
            builder.column(RUN_DAY, DataTypes.STRING().notNull());
        }
        return builder
                .column("run_id", DataTypes.STRING().notNull())
                .column(TABLE_NAME, DataTypes.STRING().notNull())
                .column("partition_value", DataTypes.STRING().notNull())
                .column(PIPELINE, partitionKeys.contains(PIPELINE) ? DataTypes.STRING().notNull() : DataTypes.STRING())
                .column("layer", DataTypes.STRING())
                .column("mode", DataTypes.STRING())
                .column("window_start", DataTypes.STRING())
                .column("window_end", DataTypes.STRING())
                .column("sql_hash", DataTypes.STRING())
                .column("upstream", DataTypes.STRING())
                .column("rows_written", DataTypes.BIGINT())
                .column("status", DataTypes.STRING())
                .column("error", DataTypes.STRING())
                .column("started_at", DataTypes.TIMESTAMP(3))
                .column("finished_at", DataTypes.TIMESTAMP(3))
                .column("retry_of", DataTypes.STRING())
                .column("owner", DataTypes.STRING())
                .column("heartbeat_at", DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3))
                .partitionKeys(partitionKeys)
                .primaryKey(primaryKey)
                .option(CoreOptions.BUCKET.key(), "1")
                .option(CoreOptions.WRITE_ONLY.key(), "true")
                .build();
    }

    /** The day a run belongs to: run ids begin with their start, yyyyMMdd-HHmmss. */
    static String runDay(String runId) {
        return runId != null && runId.length() >= 8 && runId.substring(0, 8).chars().allMatch(Character::isDigit)
                ? runId.substring(0, 8) : "00000000";
    }

    /** The history's days, oldest first. */
    static List<String> days(FileStoreTable log) {
        Set<String> days = new TreeSet<>();
        for (BinaryRow partition : log.newReadBuilder().newScan().listPartitions()) {
            days.add(partition.getString(0).toString());
        }
        return new ArrayList<>(days);
    }

    Optional<FileStoreTable> existingLog() {
        return existing(log);
    }

    Optional<FileStoreTable> existingState() {
        return existing(state);
    }

    /** The log table's newest snapshot id (0 before the first record). */
    long logVersion() {
        return logSnapshots.latestId();
    }

    /** The state table's newest snapshot id (0 before the first record). */
    long stateVersion() {
        return stateSnapshots.latestId();
    }

    /**
     * A table's newest snapshot id, asked before every read of the ledger: once the table exists,
     * only its snapshot hint is read (a snapshot manager reads the file system on each call).
     */
    private final class Versions {
        private final Identifier id;
        private volatile org.apache.paimon.utils.SnapshotManager snapshots;

        Versions(Identifier id) {
            this.id = id;
        }

        long latestId() {
            org.apache.paimon.utils.SnapshotManager known = snapshots;
            if (known != null) {
                Long latest = known.latestSnapshotId();
                if (latest != null) {
                    return latest;
                }
            }
            Optional<FileStoreTable> table = existing(id);
            snapshots = table.map(FileStoreTable::snapshotManager).orElse(null);
            return table.map(t -> t.snapshotManager().latestSnapshotId()).map(Long::longValue).orElse(0L);
        }
    }

    void write(List<LedgerEntry> entries) {
        open();
        writeBoth(entries);
    }

    /**
     * The two tables take two commits, and a process may die between them. So an entry that starts
     * (RUNNING) goes to the current state first, and an entry that ends goes to the history first:
     * a RUNNING entry is in the current state until its end is recorded in both, and lease
     * resolution, which reads the current state, finds every run that died, including one killed
     * between the commits ({@link Ledger#resolveInterrupted} completes such an end from the history).
     */
    private void writeBoth(List<LedgerEntry> entries) {
        List<LedgerEntry> starting = entries.stream().filter(e -> e.status() == RunStatus.RUNNING).toList();
        List<LedgerEntry> ending = entries.stream().filter(e -> e.status() != RunStatus.RUNNING).toList();
        if (!starting.isEmpty()) {
            commit(table(state), newestPerPartition(starting));
            commit(table(log), starting);
        }
        if (!ending.isEmpty()) {
            commit(table(log), ending);
            commit(table(state), newestPerPartition(ending));
        }
    }

    private static List<LedgerEntry> newestPerPartition(List<LedgerEntry> entries) {
        Map<String, LedgerEntry> newest = new LinkedHashMap<>();
        entries.forEach(e -> newest.put(e.pipeline() + "\u0000" + e.table() + "\u0000" + e.partition(), e));
        return List.copyOf(newest.values());
    }

    /** One commit of entries to one of the two tables. */
    static void commit(FileStoreTable table, List<LedgerEntry> entries) {
        BatchWriteBuilder builder = table.newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (LedgerEntry e : entries) {
                write.write(LedgerRows.row(e, table.rowType()));
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record runs in the ledger " + table.name() + ": " + e.getMessage(), e);
        }
        Long snapshot = table.snapshotManager().latestSnapshotId();
        if (snapshot != null && snapshot % COMPACT_EVERY == 0) {
            compact(table, entries);
        }
    }

    /** Full compaction of the partitions these entries touched; losing a race to another writer is harmless. */
    private static void compact(FileStoreTable table, List<LedgerEntry> entries) {
        Set<List<String>> touched = entries.stream().map(e -> partitionOf(table, e)).collect(Collectors.toSet());
        FileStoreTable compacting = table.copy(Map.of(CoreOptions.WRITE_ONLY.key(), "false"));
        BatchWriteBuilder builder = compacting.newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (BinaryRow partition : table.newReadBuilder().newScan().listPartitions()) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < partition.getFieldCount(); i++) {
                    values.add(partition.getString(i).toString());
                }
                if (touched.contains(values)) {
                    write.compact(partition, 0, true);
                }
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            LOGGER.debug("Compaction of {} skipped: {}", table.name(), e.getMessage());
        }
    }

    private static List<String> partitionOf(FileStoreTable table, LedgerEntry e) {
        return table.partitionKeys().contains(RUN_DAY) ? List.of(runDay(e.runId()))
                : List.of(e.pipeline() == null ? "" : e.pipeline(), e.table());
    }

    /** Moves the old single-table ledger into the two tables once, keeping it under another name. */
    private void moveLegacy() {
        Optional<FileStoreTable> old = existing(legacy);
        if (old.isEmpty()) {
            return;
        }
        List<LedgerEntry> entries = new ArrayList<>(LedgerRows.entries(Lake.rows(old.get())));
        entries.sort(LedgerEntry.CHRONOLOGICAL);
        if (!entries.isEmpty()) {
            writeBoth(entries);
        }
        try {
            catalog.renameTable(legacy, legacyMoved, false);
            LOGGER.info("Moved {} ledger entries from {} to {} and {}", entries.size(), legacy, log, state);
        } catch (Catalog.TableNotExistException | Catalog.TableAlreadyExistException e) {
            LOGGER.warn("Ledger {} moved, but could not be renamed: {}", legacy, e.getMessage());
        }
    }

    private Optional<FileStoreTable> existing(Identifier id) {
        try {
            return Optional.of((FileStoreTable) catalog.getTable(id));
        } catch (Catalog.TableNotExistException e) {
            return Optional.empty();
        }
    }

    private FileStoreTable table(Identifier id) {
        return existing(id).orElseThrow(() -> new IllegalStateException("ledger table " + id + " is missing"));
    }
}
