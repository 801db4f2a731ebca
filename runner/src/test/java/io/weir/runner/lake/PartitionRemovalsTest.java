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
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which overwrite emptied which partition, on real Paimon files. */
class PartitionRemovalsTest {

    @TempDir Path dir;

    @Test
    void dropsAndOverwritesAreFoundAndAppendsAreNot() throws Exception {
        try (Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of()))) {
            lake.catalog().createDatabase("dw", true);
            lake.catalog().createTable(Identifier.create("dw", "t"), Schema.newBuilder()
                    .column("ds", DataTypes.STRING().notNull()).column("v", DataTypes.INT())
                    .partitionKeys("ds").build(), false);
            FileStoreTable table = lake.table("t");
            write(table, null, "20240301", "20240302", "20240303");
            PartitionRemovals removals = new PartitionRemovals(lake);
            assertEquals(Map.of(), removals.of("t"), "appends remove nothing");

            lake.dropPartitions("t", List.of("20240301"));
            long dropped = table.snapshotManager().latestSnapshotId();
            assertEquals(Set.of("20240301"), removals.of("t").keySet());
            write(table, Map.of("ds", "20240303"), "20240303");
            long rewritten = table.snapshotManager().latestSnapshotId();
            lake.dropPartitions("t", List.of("20240302"));
            long droppedLater = table.snapshotManager().latestSnapshotId();

            Map<String, PartitionRemovals.Removal> seen = removals.of("t");
            assertEquals(Set.of("20240301", "20240302", "20240303"), seen.keySet(),
                    "an overwrite that writes rows removes the old files too: " + seen);
            assertEquals(dropped, seen.get("20240301").snapshotId(), "read once, kept");
            assertEquals(droppedLater, seen.get("20240302").snapshotId());
            assertEquals(rewritten, seen.get("20240303").snapshotId());
            assertEquals(Set.of("20240303"), lake.partitionsLastWritten("t").keySet(),
                    "only the rewritten partition still has files");
            assertEquals(Map.of(), new PartitionRemovals(lake).of("missing_table"));
        }
    }

    /** One batch commit of a row per value, as an overwrite of {@code overwrite} when given. */
    private static void write(FileStoreTable table, Map<String, String> overwrite, String... partitions) throws Exception {
        BatchWriteBuilder builder = table.newBatchWriteBuilder();
        if (overwrite != null) {
            builder = builder.withOverwrite(overwrite);
        }
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (String ds : partitions) {
                write.write(GenericRow.of(BinaryString.fromString(ds), 1));
            }
            commit.commit(write.prepareCommit());
        }
    }
}
