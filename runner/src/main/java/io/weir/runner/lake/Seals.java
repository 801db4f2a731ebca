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

    private final Catalog catalog;
    private final String database;
    private final Identifier seals;

    public Seals(Lake lake) {
        this.catalog = lake.catalog();
        this.database = lake.database();
        this.seals = Identifier.create(lake.ledgerDatabase(), NAME);
    }

    /** Creates the table if missing; stream jobs that look it up need it to exist. */
    public Seals open() {
        try {
            catalog.createDatabase(seals.getDatabaseName(), true);
            catalog.createTable(seals, Schema.newBuilder()
                    .column("table_name", DataTypes.STRING().notNull())
                    .column("partition_value", DataTypes.STRING().notNull())
                    .column("sealed_at", DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3))
                    .column("run_id", DataTypes.STRING())
                    .primaryKey("table_name", "partition_value")
                    .option("bucket", "1")
                    // Several backfills and schedulers seal partitions; without compaction they never conflict.
                    .option("write-only", "true")
                    .build(), true);
            return this;
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key a stream job looks up: the table qualified by its database. */
    public static String key(String database, String table) {
        return database + "." + table;
    }

    public synchronized void seal(String table, Collection<String> partitions, String runId) {
        if (partitions.isEmpty()) {
            return;
        }
        open();
        BatchWriteBuilder builder = table().newBatchWriteBuilder();
        Timestamp now = Timestamp.fromInstant(Instant.now());
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (String partition : partitions) {
                write.write(GenericRow.of(BinaryString.fromString(key(database, table)),
                        BinaryString.fromString(partition), now, BinaryString.fromString(runId)));
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record sealed partitions in " + seals + ": " + e.getMessage(), e);
        }
    }

    /** The sealed partitions of a table. */
    public Set<String> of(String table) {
        Set<String> sealed = new TreeSet<>();
        try {
            catalog.getTable(seals);
        } catch (Catalog.TableNotExistException e) {
            return sealed;
        }
        String key = key(database, table);
        for (Map<String, Object> row : Lake.rows(table())) {
            if (key.equals(row.get("table_name"))) {
                sealed.add((String) row.get("partition_value"));
            }
        }
        return sealed;
    }

    private Table table() {
        try {
            return catalog.getTable(seals);
        } catch (Catalog.TableNotExistException e) {
            throw new IllegalStateException(seals + " disappeared", e);
        }
    }
}
