package io.weir.runner.lake;

import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.types.DataTypes;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which partitions batch owns: a Paimon table {@code seals} in the ledger database (see
 * {@link Lake#ledgerDatabase()}) with one row per (table,
 * partition) that a batch job rebuilt after the partition sealed. A layer whose sealed partitions
 * belong to batch looks this table up in its stream job and drops its writes into those
 * partitions, so a stream's stale state can never overwrite a batch recomputation.
 */
public final class Seals {

    public static final String NAME = "seals";

    private static final Schema SCHEMA = Schema.newBuilder()
            .column("table_name", DataTypes.STRING().notNull())
            .column("partition_value", DataTypes.STRING().notNull())
            .column("sealed_at", DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3))
            .column("run_id", DataTypes.STRING())
            .primaryKey("table_name", "partition_value")
            .option("bucket", "1")
            // Several backfills and schedulers seal partitions; without compaction they never conflict.
            .option("write-only", "true")
            .build();

    private final String database;
    private final LedgerTable seals;

    public Seals(Lake lake) {
        this.database = lake.database();
        this.seals = new LedgerTable(lake, NAME, SCHEMA);
    }

    /** Creates the table if missing; stream jobs that look it up need it to exist. */
    public Seals open() {
        seals.open();
        return this;
    }

    /** The key a stream job looks up: the table qualified by its database. */
    public static String key(String database, String table) {
        return database + "." + table;
    }

    public synchronized void seal(String table, Collection<String> partitions, String runId) {
        Timestamp now = Timestamp.fromInstant(Instant.now());
        seals.write(partitions.stream().map(partition -> GenericRow.of(BinaryString.fromString(key(database, table)),
                BinaryString.fromString(partition), now, BinaryString.fromString(runId))).toList(), "sealed partitions");
    }

    /**
     * Gives partitions back to the stream: those of {@code partitions} whose seal is still
     * {@code runId}'s, for a run that sealed them and then could not build them. A seal another run
     * wrote since stays.
     */
    public synchronized void unseal(String table, Collection<String> partitions, String runId) {
        String key = key(database, table);
        Set<String> wanted = new java.util.HashSet<>(partitions);
        java.util.List<GenericRow> deletes = new java.util.ArrayList<>();
        for (Map<String, Object> row : seals.rows()) {
            if (key.equals(row.get("table_name")) && wanted.contains(row.get("partition_value"))
                    && runId.equals(row.get("run_id"))) {
                deletes.add(GenericRow.ofKind(org.apache.paimon.types.RowKind.DELETE, BinaryString.fromString(key),
                        BinaryString.fromString((String) row.get("partition_value")), null, BinaryString.fromString(runId)));
            }
        }
        seals.write(deletes, "partitions given back to the stream");
    }

    /** The sealed partitions of a table. */
    public Set<String> of(String table) {
        Set<String> sealed = new TreeSet<>();
        String key = key(database, table);
        for (Map<String, Object> row : seals.rows()) {
            if (key.equals(row.get("table_name"))) {
                sealed.add((String) row.get("partition_value"));
            }
        }
        return sealed;
    }
}
