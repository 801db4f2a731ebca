package io.weir.runner.lake;

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
 * The ledger of SQL upgrades: a Paimon table {@code upgrades} in the ledger database, one row per layer whose
 * running SQL was replaced by {@code weir stream --upgrade}, saying how its new job started.
 */
public final class Upgrades {

    /** How the new SQL's job started. */
    public enum Outcome {
        /** from the old job's savepoint: its state fit the new SQL */
        RESTORED,
        /** without state, after batch rebuilt the partitions it could not produce */
        FRESH
    }

    /**
     * One upgrade.
     *
     * @param fromSql the hash of the SQL that ran before, when a job ran it
     * @param rebuildRun the run id of the batch rebuild, in the ledger's runs, for a fresh start
     * @param partitionsEmptied partitions of a table that sums what it receives, emptied for the new job's full read
     */
    public record Upgrade(String pipeline, String layer, Instant at, Optional<String> fromSql, String toSql,
            Outcome outcome, Optional<String> restoredFrom, Optional<String> rebuildRun, int partitionsRebuilt,
            int partitionsEmptied) {}

    private static final Schema SCHEMA = Schema.newBuilder()
            .column("pipeline", DataTypes.STRING().notNull())
            .column("layer", DataTypes.STRING().notNull())
            .column("upgraded_at", DataTypes.TIMESTAMP_WITH_LOCAL_TIME_ZONE(3).notNull())
            .column("from_sql", DataTypes.STRING())
            .column("to_sql", DataTypes.STRING())
            .column("outcome", DataTypes.STRING())
            .column("restored_from", DataTypes.STRING())
            .column("rebuild_run_id", DataTypes.STRING())
            .column("partitions_rebuilt", DataTypes.INT())
            .column("partitions_emptied", DataTypes.INT())
            .primaryKey("pipeline", "layer", "upgraded_at")
            .option("bucket", "1")
            .build();

    private final LedgerTable upgrades;

    public Upgrades(Lake lake) {
        this.upgrades = new LedgerTable(lake, "upgrades", SCHEMA);
    }

    public void record(Upgrade upgrade) {
        upgrades.write(List.of(GenericRow.of(text(upgrade.pipeline()), text(upgrade.layer()),
                Timestamp.fromInstant(upgrade.at()), text(upgrade.fromSql().orElse(null)), text(upgrade.toSql()),
                text(upgrade.outcome().name()), text(upgrade.restoredFrom().orElse(null)),
                text(upgrade.rebuildRun().orElse(null)), upgrade.partitionsRebuilt(), upgrade.partitionsEmptied())),
                "the upgrade of " + upgrade.layer());
    }

    /** Every recorded upgrade of the pipeline, oldest first. */
    public List<Upgrade> of(String pipeline) {
        return upgrades.rows().stream().filter(row -> pipeline.equals(row.get("pipeline")))
                .map(Upgrades::upgrade).sorted(java.util.Comparator.comparing(Upgrade::at)).toList();
    }

    private static Upgrade upgrade(Map<String, Object> row) {
        return new Upgrade((String) row.get("pipeline"), (String) row.get("layer"), instant(row.get("upgraded_at")),
                Optional.ofNullable((String) row.get("from_sql")), (String) row.get("to_sql"),
                Outcome.valueOf((String) row.get("outcome")), Optional.ofNullable((String) row.get("restored_from")),
                Optional.ofNullable((String) row.get("rebuild_run_id")), (Integer) row.get("partitions_rebuilt"),
                (Integer) row.get("partitions_emptied"));
    }

    private static Instant instant(Object value) {
        return value instanceof Instant i ? i : value instanceof java.time.LocalDateTime t
                ? t.toInstant(java.time.ZoneOffset.UTC) : Instant.parse(String.valueOf(value));
    }

    private static BinaryString text(String value) {
        return value == null ? null : BinaryString.fromString(value);
    }
}
