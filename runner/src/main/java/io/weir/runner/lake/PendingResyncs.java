package io.weir.runner.lake;

import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.types.DataTypes;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
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

    private static final Schema SCHEMA = Schema.newBuilder()
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
            .build();

    private final String database;
    private final LedgerTable resyncs;

    public PendingResyncs(Lake lake) {
        this.database = lake.database();
        this.resyncs = new LedgerTable(lake, NAME, SCHEMA);
    }

    /** Partitions to replace again once the sync job has read every commit before {@code snapshot}. */
    public void record(String table, Collection<String> partitions, long snapshot) {
        write(table, partitions.stream().map(p -> Map.entry(p, snapshot)).toList(), true);
    }

    /** Partitions replaced again after the sync job read past their recorded snapshots. */
    public void settle(String table, Map<String, Long> partitionSnapshots) {
        write(table, List.copyOf(partitionSnapshots.entrySet()), false);
    }

    /** The pending partitions of a table, each with the snapshot the sync job must read past first. */
    public Map<String, Long> of(String table) {
        Map<String, Long> pending = new TreeMap<>();
        String key = Seals.key(database, table);
        for (Map<String, Object> row : resyncs.rows()) {
            Long after = (Long) row.get("after_snapshot");
            Long settled = (Long) row.get("settled_snapshot");
            if (key.equals(row.get("table_name")) && after != null && (settled == null || after > settled)) {
                pending.put((String) row.get("partition_value"), after);
            }
        }
        return pending;
    }

    private synchronized void write(String table, List<Map.Entry<String, Long>> partitionSnapshots, boolean after) {
        Timestamp now = Timestamp.fromInstant(Instant.now());
        resyncs.write(partitionSnapshots.stream().map(e -> GenericRow.of(BinaryString.fromString(Seals.key(database, table)),
                BinaryString.fromString(e.getKey()), after ? e.getValue() : null, after ? null : e.getValue(), now))
                .toList(), "serving re-syncs");
    }
}
