package io.weir.runner.lake;

import io.weir.runner.conf.WarehouseConf;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A history read since a snapshot is the one the snapshot was taken in, or nothing: on real Paimon files. */
class SnapshotMarkTest {

    @TempDir Path dir;

    @Test
    void aRollbackOrATableMadeAnewIsNotReadAsTheHistorySinceAMark() throws Exception {
        try (Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of()))) {
            lake.catalog().createDatabase("dw", true);
            create(lake);
            write(lake.table("t"), "20240301");
            SnapshotMark first = lake.latestMark("t").orElseThrow();
            write(lake.table("t"), "20240302");
            SnapshotMark second = lake.latestMark("t").orElseThrow();
            assertEquals(Optional.of(Set.of("20240302")), lake.partitionsWrittenSinceIfKept("t", first));
            assertEquals(Optional.of(Set.of()), lake.partitionsWrittenSinceIfKept("t", second));

            // rollback_to the first, then another commit under the second's id.
            lake.table("t").rollbackTo(first.id());
            assertEquals(Optional.empty(), lake.partitionsWrittenSinceIfKept("t", second),
                    "the newest snapshot is older than the mark");
            write(lake.table("t"), "20240303");
            SnapshotMark rewritten = lake.latestMark("t").orElseThrow();
            assertEquals(second.id(), rewritten.id());
            assertNotEquals(second.committedMillis(), rewritten.committedMillis());
            assertFalse(lake.holdsHistorySince("t", second), "another commit holds the id now");
            assertEquals(Optional.empty(), lake.partitionsWrittenSinceIfKept("t", second));
            assertEquals(Optional.of(Set.of("20240303")), lake.partitionsWrittenSinceIfKept("t", first),
                    "the first is untouched: its history since is the rewritten one");
            assertTrue(lake.holdsHistorySince("t", SnapshotMark.idOnly(second.id())),
                    "a mark without a time (an older ledger entry) can only go by its id");

            // Dropped and made anew: the same ids, other commits.
            lake.catalog().dropTable(Identifier.create("dw", "t"), false);
            create(lake);
            write(lake.table("t"), "20240304");
            write(lake.table("t"), "20240305");
            assertFalse(lake.holdsHistorySince("t", first));
            assertEquals(Optional.empty(), lake.partitionsWrittenSinceIfKept("t", first));
            SnapshotMark anew = new SnapshotMark(1, lake.table("t").snapshotManager().snapshot(1).timeMillis());
            assertEquals(Optional.of(Set.of("20240305")), lake.partitionsWrittenSinceIfKept("t", anew));
        }
    }

    private static void create(Lake lake) throws Exception {
        lake.catalog().createTable(Identifier.create("dw", "t"), Schema.newBuilder()
                .column("ds", DataTypes.STRING().notNull()).column("v", DataTypes.INT())
                .partitionKeys("ds").build(), false);
    }

    /**
     * One batch commit of a row into a partition. Commits of one table a millisecond apart would
     * share a commit time, which a mark could not tell apart; real commits take longer than that,
     * and so does this one.
     */
    private static void write(FileStoreTable table, String ds) throws Exception {
        BatchWriteBuilder builder = table.newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            write.write(GenericRow.of(BinaryString.fromString(ds), 1));
            commit.commit(write.prepareCommit());
        }
        long committed = table.snapshotManager().latestSnapshot().timeMillis();
        while (System.currentTimeMillis() <= committed) {
            Thread.onSpinWait();
        }
    }
}
