package io.weir.backfill;

import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;
import org.apache.paimon.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writing the stream's commits back after an overwrite, on real Paimon tables. */
class StreamCommitReplayTest {

    private static final String DAY = "20240301";

    @TempDir Path dir;

    private Lake lake() throws Exception {
        Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of()));
        lake.catalog().createDatabase("dw", true);
        return lake;
    }

    private static FileStoreTable create(Lake lake, String name, Map<String, String> options) throws Exception {
        Schema.Builder schema = Schema.newBuilder().column("ds", DataTypes.STRING().notNull())
                .column("k", DataTypes.INT().notNull()).column("seq", DataTypes.INT()).column("v", DataTypes.STRING())
                .partitionKeys("ds").primaryKey("ds", "k").option("bucket", "1").option("changelog-producer", "lookup");
        options.forEach(schema::option);
        lake.catalog().createTable(Identifier.create("dw", name), schema.build(), false);
        return lake.table(name);
    }

    @Test
    void appliesOnlyWhereTheRowsOwnSequenceDecidesTheMerge() throws Exception {
        try (Lake lake = lake()) {
            assertTrue(StreamCommitReplay.applies(create(lake, "dedup_seq", Map.of("sequence.field", "seq"))));
            assertFalse(StreamCommitReplay.applies(create(lake, "dedup_plain", Map.of())),
                    "deduplicate without a sequence field keeps the last write");
            assertFalse(StreamCommitReplay.applies(create(lake, "summed",
                    Map.of("merge-engine", "aggregation", "fields.v.aggregate-function", "last_non_null_value"))));
            assertFalse(StreamCommitReplay.applies(create(lake, "first_row", Map.of("merge-engine", "first-row"))));
            assertTrue(StreamCommitReplay.applies(create(lake, "partial_grouped",
                    Map.of("merge-engine", "partial-update", "fields.seq.sequence-group", "v"))));
            assertFalse(StreamCommitReplay.applies(create(lake, "partial_ungrouped",
                    Map.of("merge-engine", "partial-update", "fields.seq.sequence-group", "seq"))),
                    "v lies in no sequence group: its merge follows write order");
            assertFalse(StreamCommitReplay.applies(create(lake, "dynamic_bucket",
                    Map.of("sequence.field", "seq", "bucket", "-1"))), "the overwrite chooses each key's bucket again");
            assertFalse(StreamCommitReplay.applies(create(lake, "input_changelog",
                    Map.of("sequence.field", "seq", "changelog-producer", "input"))), "downstream would read the rows twice");
            assertFalse(StreamCommitReplay.applies(create(lake, "deletion_vectors",
                    Map.of("sequence.field", "seq", "deletion-vectors.enabled", "true"))), "batch reads skip level 0");
            assertFalse(StreamCommitReplay.applies(create(lake, "partial_aggregating", Map.of("merge-engine",
                    "partial-update", "fields.seq.sequence-group", "v", "fields.v.aggregate-function", "max"))));
        }
    }

    @Test
    void theStreamsNewerRowsAndDeletesWinOverTheOverwriteAndItsOlderRowsDoNot() throws Exception {
        try (Lake lake = lake()) {
            FileStoreTable table = create(lake, "t", Map.of("sequence.field", "seq"));
            append(table, row(RowKind.INSERT, 1, 1, "first"), row(RowKind.INSERT, 3, 1, "kept"));
            long roundStart = table.snapshotManager().latestSnapshotId();
            // The stream, while the backfill reads: a newer k=1, an older k=3 than the backfill read, a new k=4,
            // and a delete of k=5 the backfill still saw.
            append(table, row(RowKind.INSERT, 1, 9, "stream-newer"), row(RowKind.INSERT, 3, 2, "stream-older"),
                    row(RowKind.INSERT, 4, 3, "stream-only"), row(RowKind.DELETE, 5, 8, "gone"));
            overwrite(table, row(RowKind.INSERT, 1, 7, "batch"), row(RowKind.INSERT, 3, 5, "batch"),
                    row(RowKind.INSERT, 5, 4, "batch"));

            long written = StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY));

            assertEquals(4, written);
            assertEquals(Map.of(1, "stream-newer", 3, "batch", 4, "stream-only"), values(lake, "t"));
        }
    }

    @Test
    void partitionsOutsideTheSetAndCommitsBeforeTheRoundAreNotWritten() throws Exception {
        try (Lake lake = lake()) {
            FileStoreTable table = create(lake, "t", Map.of("sequence.field", "seq"));
            append(table, row(RowKind.INSERT, 2, 9, "before-the-round"));
            long roundStart = table.snapshotManager().latestSnapshotId();
            overwrite(table, row(RowKind.INSERT, 1, 1, "batch"));
            assertEquals(0, StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY)));
            assertEquals(Map.of(1, "batch"), values(lake, "t"));
        }
    }

    private static GenericRow row(RowKind kind, int k, int seq, String v) {
        return GenericRow.ofKind(kind, BinaryString.fromString(DAY), k, seq, BinaryString.fromString(v));
    }

    // Write-only, as the stream's writers look to the replay: a 'lookup' changelog would otherwise need
    // an I/O manager for the compaction that these commits do not have to run.
    private static void append(FileStoreTable table, GenericRow... rows) throws Exception {
        commit(writeOnly(table).newBatchWriteBuilder(), rows);
    }

    private static void overwrite(FileStoreTable table, GenericRow... rows) throws Exception {
        commit(writeOnly(table).newBatchWriteBuilder().withOverwrite(Map.of("ds", DAY)), rows);
    }

    private static FileStoreTable writeOnly(FileStoreTable table) {
        return table.copy(Map.of("write-only", "true"));
    }

    private static void commit(BatchWriteBuilder builder, GenericRow... rows) throws Exception {
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (GenericRow row : rows) {
                write.write(row);
            }
            commit.commit(write.prepareCommit());
        }
    }

    private static Map<Integer, String> values(Lake lake, String table) {
        Map<Integer, String> values = new TreeMap<>();
        for (Map<String, Object> row : lake.rowsOfPartitions(table, List.of(DAY))) {
            values.put((Integer) row.get("k"), String.valueOf(row.get("v")));
        }
        return values;
    }
}
