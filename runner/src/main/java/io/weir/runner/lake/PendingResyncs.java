package io.weir.runner.lake;

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

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serving partitions replaced while their sync job had not yet read every commit before the
 * overwrite: a Paimon table {@code serving_resyncs} in the ledger database. The job would apply
 * those older commits on top of the replacement, so each partition must be replaced again once the
 * job has read past {@code after_snapshot}. Both snapshot columns keep their maximum, so recording
 * and settling from several processes commute: a partition is pending while
 * {@code after_snapshot > settled_snapshot}.
 */
public final class PendingResyncs {

    public static final String NAME = "serving_resyncs";

    private final Catalog catalog;
    private final String database;
    private final Identifier identifier;

    public PendingResyncs(Lake lake) {
        this.catalog = lake.catalog();
        this.database = lake.database();
        this.identifier = Identifier.create(lake.ledgerDatabase(), NAME);
    }

    /** Partitions to replace again once the sync job has read every commit before {@code snapshot}. */
    public void record(String table, Collection<String> partitions, long snapshot) {
        write(table, partitions, snapshot, null);
    }

    /** Partitions replaced again after the sync job read past their recorded snapshots. */
    public void settle(String table, Map<String, Long> partitionSnapshots) {
        partitionSnapshots.forEach((partition, snapshot) -> write(table, java.util.List.of(partition), null, snapshot));
    }

    /** The pending partitions of a table, each with the snapshot the sync job must read past first. */
    public Map<String, Long> of(String table) {
        Map<String, Long> pending = new TreeMap<>();
        if (!exists()) {
            return pending;
        }
        String key = Seals.key(database, table);
        for (Map<String, Object> row : Lake.rows(table())) {
            Long after = (Long) row.get("after_snapshot");
            Long settled = (Long) row.get("settled_snapshot");
            if (key.equals(row.get("table_name")) && after != null && (settled == null || after > settled)) {
                pending.put((String) row.get("partition_value"), after);
            }
        }
        return pending;
    }

    private synchronized void write(String table, Collection<String> partitions, Long after, Long settled) {
        if (partitions.isEmpty()) {
            return;
        }
        open();
        BatchWriteBuilder builder = table().newBatchWriteBuilder();
        Timestamp now = Timestamp.fromInstant(Instant.now());
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (String partition : partitions) {
                write.write(GenericRow.of(BinaryString.fromString(Seals.key(database, table)),
                        BinaryString.fromString(partition), after, settled, now));
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record serving re-syncs in " + identifier + ": " + e.getMessage(), e);
        }
    }

    private void open() {
        try {
            catalog.createDatabase(identifier.getDatabaseName(), true);
            catalog.createTable(identifier, Schema.newBuilder()
                    .column("table_name", DataTypes.STRING().notNull())
                    .column("partition_value", DataTypes.STRING().notNull())
                    .column("after_snapshot", DataTypes.BIGINT())
                    .column("settled_snapshot", DataTypes.BIGINT())
                    .column("updated_at", DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3))
                    .primaryKey("table_name", "partition_value")
                    .option("bucket", "1")
                    .option("merge-engine", "aggregation")
                    .option("fields.after_snapshot.aggregate-function", "max")
                    .option("fields.settled_snapshot.aggregate-function", "max")
                    .option("fields.updated_at.aggregate-function", "max")
                    // Backfills, schedulers and streams write it; without compaction they never conflict.
                    .option("write-only", "true")
                    .build(), true);
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean exists() {
        try {
            catalog.getTable(identifier);
            return true;
        } catch (Catalog.TableNotExistException e) {
            return false;
        }
    }

    private Table table() {
        try {
            return catalog.getTable(identifier);
        } catch (Catalog.TableNotExistException e) {
            throw new IllegalStateException(identifier + " disappeared", e);
        }
    }
}
