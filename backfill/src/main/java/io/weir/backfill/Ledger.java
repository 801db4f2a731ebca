package io.weir.backfill;

import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run ledger: a Paimon table {@code weir.runs} in the warehouse itself, so the record of what
 * built each partition lives and moves with the data. Written with Paimon's Java API (no Flink job),
 * one commit per state change.
 */
public final class Ledger {

    static final Identifier TABLE = Identifier.create(Renderer.STAGING_DATABASE, "runs");

    private final Catalog catalog;

    public Ledger(Lake lake) {
        this.catalog = lake.catalog();
    }

    /** Creates the ledger table if missing. */
    public Ledger open() {
        try {
            catalog.createDatabase(TABLE.getDatabaseName(), true);
            catalog.createTable(TABLE, Schema.newBuilder()
                    .column("run_id", DataTypes.STRING().notNull())
                    .column("table_name", DataTypes.STRING().notNull())
                    .column("partition_value", DataTypes.STRING().notNull())
                    .column("pipeline", DataTypes.STRING())
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
                    .primaryKey("run_id", "table_name", "partition_value")
                    .option("bucket", "1")
                    // Several Weir processes record runs; without compaction their commits never conflict.
                    .option("write-only", "true")
                    .build(), true);
            addLeaseColumns();
            return this;
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean opened;

    /** A ledger written before leases existed gets their columns. */
    private void addLeaseColumns() {
        try {
            List<String> fields = catalog.getTable(TABLE).rowType().getFieldNames();
            List<org.apache.paimon.schema.SchemaChange> changes = new ArrayList<>();
            if (!fields.contains("owner")) {
                changes.add(org.apache.paimon.schema.SchemaChange.addColumn("owner", DataTypes.STRING()));
            }
            if (!fields.contains("heartbeat_at")) {
                changes.add(org.apache.paimon.schema.SchemaChange.addColumn("heartbeat_at",
                        DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3)));
            }
            if (!changes.isEmpty()) {
                catalog.alterTable(TABLE, changes, false);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot add lease columns to the ledger " + TABLE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records every RUNNING entry whose process is gone as FAILED (interrupted), so its partitions
     * are built again by the next backfill or scheduled tick; returns what it resolved.
     */
    public List<LedgerEntry> resolveInterrupted(String pipeline) {
        java.time.Instant now = java.time.Instant.now();
        LocalDateTime at = LocalDateTime.now();
        List<LedgerEntry> resolved = new ArrayList<>();
        for (LedgerEntry e : entries()) {
            if (pipeline.equals(e.pipeline()) && e.interrupted(now)) {
                resolved.add(e.finished(RunStatus.FAILED, 0, "interrupted: run " + e.runId() + " ("
                        + (e.lease() == null || e.lease().owner() == null ? "an older Weir" : e.lease().owner())
                        + ") stopped while it built this partition", at));
            }
        }
        record(resolved);
        return resolved;
    }

    public synchronized void record(List<LedgerEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        if (!opened) {
            open();
            opened = true;
        }
        BatchWriteBuilder builder = table().newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (LedgerEntry e : entries) {
                write.write(GenericRow.of(s(e.runId()), s(e.table()), s(e.partition()), s(e.pipeline()), s(e.layer()),
                        s(e.mode()), s(e.windowStart()), s(e.windowEnd()), s(e.sqlHash()), s(e.upstream()),
                        e.rowsWritten(), s(e.status().name()), s(e.error()), t(e.startedAt()), t(e.finishedAt()),
                        s(e.retryOf()), s(e.lease() == null ? null : e.lease().owner()),
                        e.lease() == null || e.lease().heartbeat() == null ? null
                                : Timestamp.fromInstant(e.lease().heartbeat())));
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record runs in the ledger " + TABLE + ": " + e.getMessage(), e);
        }
    }

    /** Every entry, oldest first. */
    public List<LedgerEntry> entries() {
        if (!exists()) {
            return List.of();
        }
        List<LedgerEntry> entries = new ArrayList<>();
        for (Map<String, Object> row : Lake.rows(table())) {
            entries.add(new LedgerEntry(
                    (String) row.get("run_id"), (String) row.get("table_name"), (String) row.get("partition_value"),
                    (String) row.get("pipeline"), (String) row.get("layer"), (String) row.get("mode"),
                    (String) row.get("window_start"), (String) row.get("window_end"), (String) row.get("sql_hash"),
                    (String) row.get("upstream"), row.get("rows_written") == null ? 0 : (Long) row.get("rows_written"),
                    RunStatus.valueOf((String) row.get("status")), (String) row.get("error"),
                    (LocalDateTime) row.get("started_at"), (LocalDateTime) row.get("finished_at"),
                    (String) row.get("retry_of"), lease(row)));
        }
        entries.sort(Comparator.comparing(LedgerEntry::startedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(LedgerEntry::runId).thenComparing(LedgerEntry::partition));
        return entries;
    }

    /** Changes whenever anything is recorded: the ledger table's newest snapshot id (0 when empty). */
    public long version() {
        org.apache.paimon.table.FileStoreTable table = versionTable;
        if (table == null) {
            if (!exists()) {
                return 0;
            }
            table = (org.apache.paimon.table.FileStoreTable) table();
            versionTable = table;
        }
        // One small file read: a scheduler asks this on every tick of every layer.
        Long id = table.snapshotManager().latestSnapshotId();
        return id == null ? 0 : id;
    }

    private volatile org.apache.paimon.table.FileStoreTable versionTable;

    public List<LedgerEntry> run(String runId) {
        return entries().stream().filter(e -> e.runId().equals(runId)).toList();
    }

    /** The newest entry per partition of a table (the state the partition is in). */
    public Map<String, LedgerEntry> latestByPartition(String pipeline, String tableName) {
        Map<String, LedgerEntry> latest = new HashMap<>();
        for (LedgerEntry e : entries()) {
            if (e.table().equals(tableName) && pipeline.equals(e.pipeline())) {
                latest.put(e.partition(), e);
            }
        }
        return latest;
    }

    public Optional<LedgerEntry> latest(String pipeline, String tableName, String partition) {
        return Optional.ofNullable(latestByPartition(pipeline, tableName).get(partition));
    }

    private boolean exists() {
        try {
            catalog.getTable(TABLE);
            return true;
        } catch (Catalog.TableNotExistException e) {
            return false;
        }
    }

    private Table table() {
        try {
            return catalog.getTable(TABLE);
        } catch (Catalog.TableNotExistException e) {
            open();
            return table();
        }
    }

    private static Lease lease(Map<String, Object> row) {
        String owner = (String) row.get("owner");
        Object heartbeat = row.get("heartbeat_at");
        if (owner == null && heartbeat == null) {
            return null;
        }
        // TIMESTAMP_LTZ values are read back as UTC wall-clock times.
        return new Lease(owner, heartbeat == null ? null
                : ((LocalDateTime) heartbeat).toInstant(java.time.ZoneOffset.UTC));
    }

    private static BinaryString s(String value) {
        return value == null ? null : BinaryString.fromString(value);
    }

    private static Timestamp t(LocalDateTime value) {
        return value == null ? null : Timestamp.fromLocalDateTime(value);
    }
}
