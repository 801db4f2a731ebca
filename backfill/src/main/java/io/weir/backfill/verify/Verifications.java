package io.weir.backfill.verify;

import io.weir.runner.lake.Lake;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The newest verification of each partition: a Paimon table {@code verifications} in the ledger database, one row per
 * (pipeline, table, partition), written when the scheduler verifies what it built
 * ({@code layers[i].verify: true}) and read by {@code weir status}.
 */
public final class Verifications {

    private final Catalog catalog;
    private final Identifier verifications;

    public Verifications(Lake lake) {
        this.catalog = lake.catalog();
        this.verifications = Identifier.create(lake.ledgerDatabase(), "verifications");
    }

    /** One partition's newest verification. */
    public record Verification(String table, String partition, Instant verifiedAt, long equal, long differing,
            long missing, long extra, String sample) {

        public boolean same() {
            return differing == 0 && missing == 0 && extra == 0;
        }

        /** "equal (12 rows)" or "DIFFERS: 2 differing, 1 missing, 0 extra". */
        public String summary() {
            return same() ? "equal (" + equal + " rows)"
                    : "DIFFERS: " + differing + " differing, " + missing + " missing, " + extra + " extra";
        }
    }

    public synchronized void record(String pipeline, String table, List<RowDiff.PartitionDiff> diffs) {
        if (diffs.isEmpty()) {
            return;
        }
        BatchWriteBuilder builder = open().newBatchWriteBuilder();
        Timestamp now = Timestamp.fromInstant(Instant.now());
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (RowDiff.PartitionDiff d : diffs) {
                write.write(GenericRow.of(BinaryString.fromString(pipeline), BinaryString.fromString(table),
                        BinaryString.fromString(d.partition()), now, d.equal(), d.differing(), d.missing(), d.extra(),
                        BinaryString.fromString(d.samples().isEmpty() ? "" : d.samples().get(0))));
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record verifications in " + verifications + ": " + e.getMessage(), e);
        }
    }

    /** Changes whenever a verification is recorded (0 when none was). */
    public long version() {
        try {
            Long id = ((org.apache.paimon.table.FileStoreTable) catalog.getTable(verifications)).snapshotManager().latestSnapshotId();
            return id == null ? 0 : id;
        } catch (Catalog.TableNotExistException e) {
            return 0;
        }
    }

    /** The newest verification of each verified partition of the table. */
    public Map<String, Verification> byPartition(String pipeline, String table) {
        Map<String, Verification> byPartition = new java.util.TreeMap<>();
        Table t;
        try {
            t = catalog.getTable(verifications);
        } catch (Catalog.TableNotExistException e) {
            return byPartition;
        }
        for (Map<String, Object> row : Lake.rows(t, null, Map.of("pipeline", pipeline))) {
            if (table.equals(row.get("table_name"))) {
                Verification v = verification(table, row);
                byPartition.put(v.partition(), v);
            }
        }
        return byPartition;
    }

    private static Verification verification(String table, Map<String, Object> row) {
        return new Verification(table, (String) row.get("partition_value"),
                ((java.time.LocalDateTime) row.get("verified_at")).toInstant(java.time.ZoneOffset.UTC),
                (Long) row.get("equal_rows"), (Long) row.get("differing_rows"), (Long) row.get("missing_rows"),
                (Long) row.get("extra_rows"), (String) row.get("sample"));
    }

    /** The newest verification of any partition of the table, if it was ever verified. */
    public Optional<Verification> latest(String pipeline, String table) {
        Table t;
        try {
            t = catalog.getTable(verifications);
        } catch (Catalog.TableNotExistException e) {
            return Optional.empty();
        }
        Verification newest = null;
        for (Map<String, Object> row : Lake.rows(t, null,
                Map.of("pipeline", pipeline))) {
            if (!table.equals(row.get("table_name"))) {
                continue;
            }
            Verification v = verification(table, row);
            // A partition that differs is shown before newer ones that are equal: it needs attention.
            if (newest == null || (!v.same() && newest.same())
                    || (v.same() == newest.same() && v.verifiedAt().isAfter(newest.verifiedAt()))) {
                newest = v;
            }
        }
        return Optional.ofNullable(newest);
    }

    private Table open() {
        try {
            catalog.createDatabase(verifications.getDatabaseName(), true);
            catalog.createTable(verifications, Schema.newBuilder()
                    .column("pipeline", DataTypes.STRING().notNull())
                    .column("table_name", DataTypes.STRING().notNull())
                    .column("partition_value", DataTypes.STRING().notNull())
                    .column("verified_at", DataTypes.TIMESTAMP(3))
                    .column("equal_rows", DataTypes.BIGINT())
                    .column("differing_rows", DataTypes.BIGINT())
                    .column("missing_rows", DataTypes.BIGINT())
                    .column("extra_rows", DataTypes.BIGINT())
                    .column("sample", DataTypes.STRING())
                    .primaryKey("pipeline", "table_name", "partition_value")
                    .partitionKeys("pipeline")
                    .option("bucket", "1")
                    .option("write-only", "true")
                    .build(), true);
            return catalog.getTable(verifications);
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException | Catalog.TableNotExistException e) {
            throw new IllegalStateException(e);
        }
    }
}
