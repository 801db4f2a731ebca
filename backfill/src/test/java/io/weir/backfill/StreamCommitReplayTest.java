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
import org.apache.paimon.table.sink.StreamTableCommit;
import org.apache.paimon.table.sink.StreamTableWrite;
import org.apache.paimon.table.sink.StreamWriteBuilder;
import org.apache.paimon.types.DataTypes;
import org.apache.paimon.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            stream.history(20);
            stream.commit(row(RowKind.INSERT, 1, 1, "first"), row(RowKind.INSERT, 3, 1, "kept"));
            long roundStart = lake.table("t").snapshotManager().latestSnapshotId();
            // The stream, while the backfill reads: a newer k=1, an older k=3 than the backfill read, a new k=4,
            // and a delete of k=5 the backfill still saw.
            stream.commit(row(RowKind.INSERT, 1, 9, "stream-newer"), row(RowKind.INSERT, 3, 2, "stream-older"),
                    row(RowKind.INSERT, 4, 3, "stream-only"), row(RowKind.DELETE, 5, 8, "gone"));
            overwrite(lake.table("t"), row(RowKind.INSERT, 1, 7, "batch"), row(RowKind.INSERT, 3, 5, "batch"),
                    row(RowKind.INSERT, 5, 4, "batch"));

            long written = StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY)).rows();

            assertEquals(4, written);
            assertEquals(Map.of(1, "stream-newer", 3, "batch", 4, "stream-only"), values(lake, "t"));
        }
    }

    /**
     * A source whose updates leave the sequence field as it was: every version of a key ties, and
     * Paimon's write order decides. The written-back row keeps the stream's own position, so the
     * stream's later rows still win, also those it committed between the overwrite and the write-back.
     */
    @Test
    void onEqualSequenceValuesTheStreamsLaterRowsBeatTheWrittenBackOne() throws Exception {
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            stream.history(20);
            stream.commit(row(RowKind.INSERT, 1, 1, "read-by-the-backfill"), row(RowKind.INSERT, 2, 1, "read-by-the-backfill"));
            long roundStart = lake.table("t").snapshotManager().latestSnapshotId();
            stream.commit(row(RowKind.INSERT, 1, 1, "during"), row(RowKind.INSERT, 2, 1, "during"));
            overwrite(lake.table("t"), row(RowKind.INSERT, 1, 1, "read-by-the-backfill"),
                    row(RowKind.INSERT, 2, 1, "read-by-the-backfill"));
            stream.commit(row(RowKind.INSERT, 1, 1, "after-the-overwrite"));

            assertEquals(2, StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY)).rows());
            assertEquals(Map.of(1, "after-the-overwrite", 2, "during"), values(lake, "t"));

            stream.commit(row(RowKind.INSERT, 2, 1, "after-the-write-back"));
            assertEquals(Map.of(1, "after-the-overwrite", 2, "after-the-write-back"), values(lake, "t"));
        }
    }

    @Test
    void refusesWhenTheStreamsRowsRankBelowTheRebuildsAndLeavesTheTableAsItWas() throws Exception {
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            long roundStart = 0; // no snapshot yet
            stream.commit(row(RowKind.INSERT, 1, 1, "during"));
            overwrite(lake.table("t"), tenOtherKeys());
            long snapshot = lake.table("t").snapshotManager().latestSnapshotId();
            Path bucket = dir.resolve("warehouse/dw.db/t/ds=" + DAY + "/bucket-0");
            long files = fileCount(bucket);

            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY)));

            assertTrue(refused.getMessage().contains("rank below the rebuild's"), refused.getMessage());
            assertEquals(snapshot, lake.table("t").snapshotManager().latestSnapshotId());
            assertEquals(files, fileCount(bucket), "no copied file is left behind");
        }
    }

    @Test
    void refusesWhenTheStreamStartedAgainAfterTheOverwriteAndNumbersItsRowsBelowTheCopies() throws Exception {
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            stream.history(20);
            long roundStart = lake.table("t").snapshotManager().latestSnapshotId();
            stream.commit(row(RowKind.INSERT, 1, 1, "during"));
            overwrite(lake.table("t"), row(RowKind.INSERT, 1, 1, "read-by-the-backfill"));
            // The stream's job restarted: its new writer counts on from the rebuild's one file.
            append(lake.table("t"), row(RowKind.INSERT, 1, 1, "after-the-restart"));
            long snapshot = lake.table("t").snapshotManager().latestSnapshotId();

            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY)));

            assertTrue(refused.getMessage().contains("started again after the rebuild"), refused.getMessage());
            assertEquals(snapshot, lake.table("t").snapshotManager().latestSnapshotId());
            assertEquals(Map.of(1, "after-the-restart"), values(lake, "t"));
        }
    }

    /**
     * A stream job that started again between the overwrite and the write-back: its writer counted
     * on from the rebuild's files, and its next commit, after the write-back, ranks below the copies,
     * which would win the tie on equal sequence values. Seen, so the backfill rebuilds again.
     */
    @Test
    void aWriterThatStartedBeforeTheWriteBackAndCommitsAfterItIsSeen() throws Exception {
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            stream.history(20);
            long roundStart = lake.table("t").snapshotManager().latestSnapshotId();
            stream.commit(row(RowKind.INSERT, 1, 1, "during"));
            overwrite(lake.table("t"), row(RowKind.INSERT, 1, 1, "read-by-the-backfill"));
            StreamCommitReplay.WriteBack writeBack;
            try (StreamWriter restarted = new StreamWriter(lake.table("t"))) {
                restarted.write(row(RowKind.INSERT, 1, 1, "after-the-restart")); // its bucket writer starts now
                writeBack = StreamCommitReplay.replay(lake.table("t"), roundStart, Set.of(DAY));
                assertEquals(1, writeBack.rows());
                assertEquals(Set.of(), StreamCommitReplay.rankingBelowWriteBack(lake.table("t"), writeBack),
                        "the write-back itself is not the stream's");
                restarted.commitWritten();
                assertEquals(Map.of(1, "during"), values(lake, "t"), "the copy beats the newer row on the tie");
                assertEquals(Set.of(DAY), StreamCommitReplay.rankingBelowWriteBack(lake.table("t"), writeBack));
            }
            stream.commit(row(RowKind.INSERT, 2, 1, "the old writer counts on above its copies"));
            long last = lake.table("t").snapshotManager().latestSnapshotId();
            assertEquals(Set.of(), WriteRanks.rankingBelow(WriteRanks.added(lake.table("t"), last), writeBack.ranges()));
        }
    }

    @Test
    void aStreamCommitAfterTheOverwriteRanksBelowItOnlyWhileItsWriterCountsFromBeforeIt() throws Exception {
        try (Lake lake = lake(); StreamWriter stream = new StreamWriter(create(lake, "t", Map.of("sequence.field", "seq")))) {
            stream.commit(row(RowKind.INSERT, 1, 1, "stream"));
            overwrite(lake.table("t"), tenOtherKeys());
            long overwrite = lake.table("t").snapshotManager().latestSnapshotId();
            stream.commit(row(RowKind.INSERT, 1, 2, "stream"));
            long streamed = lake.table("t").snapshotManager().latestSnapshotId();
            append(lake.table("t"), row(RowKind.INSERT, 1, 3, "a writer that started after the overwrite"));
            long restarted = lake.table("t").snapshotManager().latestSnapshotId();

            FileStoreTable table = lake.table("t");
            var rebuilt = WriteRanks.added(table, overwrite);
            assertEquals(Set.of(DAY), WriteRanks.rankingBelow(WriteRanks.added(table, streamed), rebuilt));
            assertEquals(Set.of(), WriteRanks.rankingBelow(WriteRanks.added(table, restarted), rebuilt));
        }
    }

    /** The stream's writer: one writer for many commits, counting write positions on as Flink's sink does. */
    private static final class StreamWriter implements AutoCloseable {
        private final StreamTableWrite write;
        private final StreamTableCommit commit;
        private long checkpoint;

        StreamWriter(FileStoreTable table) {
            StreamWriteBuilder builder = writeOnly(table).newStreamWriteBuilder();
            write = builder.newWrite();
            commit = builder.newCommit();
        }

        /** Rows of other keys, so the writer's positions stand above a small rebuild's. */
        void history(int rows) throws Exception {
            GenericRow[] history = new GenericRow[rows];
            for (int k = 0; k < rows; k++) {
                history[k] = row(RowKind.INSERT, 1000 + k, 0, "history");
            }
            commit(history);
            GenericRow[] deletes = new GenericRow[rows];
            for (int k = 0; k < rows; k++) {
                deletes[k] = row(RowKind.DELETE, 1000 + k, 0, "history");
            }
            commit(deletes);
        }

        void commit(GenericRow... rows) throws Exception {
            write(rows);
            commitWritten();
        }

        void write(GenericRow... rows) throws Exception {
            for (GenericRow row : rows) {
                write.write(row);
            }
        }

        void commitWritten() throws Exception {
            checkpoint++;
            commit.commit(checkpoint, write.prepareCommit(false, checkpoint));
        }

        @Override
        public void close() throws Exception {
            write.close();
            commit.close();
        }
    }

    /** A rebuild's rows: more in the bucket than the stream's writer has numbered. */
    private static GenericRow[] tenOtherKeys() {
        GenericRow[] rows = new GenericRow[10];
        for (int k = 0; k < rows.length; k++) {
            rows[k] = row(RowKind.INSERT, 100 + k, 1, "batch");
        }
        return rows;
    }

    private static long fileCount(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.count();
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
