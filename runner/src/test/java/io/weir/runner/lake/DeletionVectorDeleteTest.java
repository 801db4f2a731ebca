package io.weir.runner.lake;

import io.weir.runner.conf.WarehouseConf;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.deletionvectors.BitmapDeletionVector;
import org.apache.paimon.deletionvectors.append.AppendDeleteFileMaintainer;
import org.apache.paimon.deletionvectors.append.BaseAppendDeleteFileMaintainer;
import org.apache.paimon.index.IndexFileMeta;
import org.apache.paimon.io.CompactIncrement;
import org.apache.paimon.io.DataIncrement;
import org.apache.paimon.manifest.FileKind;
import org.apache.paimon.manifest.IndexManifestEntry;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.table.sink.CommitMessageImpl;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A delete that writes no data file, only a deletion vector (Spark's DELETE on an append table
 * with deletion vectors), on real Paimon files: the partition's digest changes and the table's
 * history names it as written, so what was built from it is rebuilt.
 */
class DeletionVectorDeleteTest {

    @TempDir Path dir;

    @Test
    void aDeleteByDeletionVectorAloneIsAWrite() throws Exception {
        try (Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of()))) {
            lake.catalog().createDatabase("dw", true);
            lake.catalog().createTable(Identifier.create("dw", "rides"), Schema.newBuilder()
                    .column("ds", DataTypes.STRING().notNull()).column("fare", DataTypes.INT())
                    .partitionKeys("ds").option("bucket", "-1").option("deletion-vectors.enabled", "true").build(), false);
            FileStoreTable table = lake.table("rides");
            write(table, "20240301", 10, 20);
            write(table, "20240302", 30, 40);
            long read = table.snapshotManager().latestSnapshotId();
            Map<String, PartitionFiles> before = PartitionFiles.of(table);

            deleteFirstRowByDeletionVector(table, "20240301");

            assertEquals(1, lake.rowsOfPartitions("rides", List.of("20240301")).size(), "the delete took a row");
            Map<String, PartitionFiles> after = PartitionFiles.of(table);
            assertNotEquals(before.get("20240301").digest(), after.get("20240301").digest(),
                    "the same data files, another deletion vector");
            assertEquals(before.get("20240302").digest(), after.get("20240302").digest());
            assertEquals(Set.of("20240301"), lake.partitionsWrittenSince("rides", read));
            assertEquals(before.get("20240301").digest(),
                    PartitionFiles.of(table, read, List.of("20240301")).get("20240301").digest(), "as the build read it");
        }
    }

    private static void write(FileStoreTable table, String ds, int... fares) throws Exception {
        BatchWriteBuilder builder = table.newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (int fare : fares) {
                write.write(GenericRow.of(BinaryString.fromString(ds), fare));
            }
            commit.commit(write.prepareCommit());
        }
    }

    /** As Spark's DELETE does it: one deletion vector for a data file, committed without data files. */
    private static void deleteFirstRowByDeletionVector(FileStoreTable table, String ds) throws Exception {
        DataSplit split = table.newSnapshotReader().read().dataSplits().stream()
                .filter(s -> s.partition().getString(0).toString().equals(ds)).findFirst().orElseThrow();
        AppendDeleteFileMaintainer maintainer = BaseAppendDeleteFileMaintainer.forUnawareAppend(
                table.store().newIndexFileHandler(), table.snapshotManager().latestSnapshot(), split.partition());
        BitmapDeletionVector vector = new BitmapDeletionVector();
        vector.delete(0);
        maintainer.notifyNewDeletionVector(split.dataFiles().get(0).fileName(), vector);
        List<IndexManifestEntry> changes = maintainer.persist();
        List<IndexFileMeta> added = changes.stream().filter(e -> e.kind() == FileKind.ADD).map(IndexManifestEntry::indexFile).toList();
        List<IndexFileMeta> removed = changes.stream().filter(e -> e.kind() == FileKind.DELETE).map(IndexManifestEntry::indexFile).toList();
        try (BatchTableCommit commit = table.newBatchWriteBuilder().newCommit()) {
            commit.commit(List.of(new CommitMessageImpl(split.partition(), split.bucket(), split.totalBuckets(),
                    new DataIncrement(List.of(), List.of(), List.of(), added, removed), CompactIncrement.emptyIncrement())));
        }
    }
}
