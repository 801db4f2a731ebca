package io.weir.backfill.verify;

import io.weir.runner.lake.Lake;
import io.weir.runner.lake.LedgerTable;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.schema.Schema;
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

    private static final Schema SCHEMA = Schema.newBuilder()
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
            .build();

    private final LedgerTable verifications;

    public Verifications(Lake lake) {
        this.verifications = new LedgerTable(lake, "verifications", SCHEMA);
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
        Timestamp now = Timestamp.fromInstant(Instant.now());
        verifications.write(diffs.stream().map(d -> GenericRow.of(BinaryString.fromString(pipeline),
                BinaryString.fromString(table), BinaryString.fromString(d.partition()), now, d.equal(), d.differing(),
                d.missing(), d.extra(), BinaryString.fromString(d.samples().isEmpty() ? "" : d.samples().get(0))))
                .toList(), "verifications");
    }

    /** Changes whenever a verification is recorded (0 when none was). */
    public long version() {
        return verifications.existing()
                .map(t -> ((org.apache.paimon.table.FileStoreTable) t).snapshotManager().latestSnapshotId())
                .orElse(0L);
    }

    /** The newest verification of each verified partition of the table. */
    public Map<String, Verification> byPartition(String pipeline, String table) {
        Map<String, Verification> byPartition = new java.util.TreeMap<>();
        for (Map<String, Object> row : verifications.rows(Map.of("pipeline", pipeline))) {
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
        Verification newest = null;
        for (Map<String, Object> row : verifications.rows(Map.of("pipeline", pipeline))) {
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
}
