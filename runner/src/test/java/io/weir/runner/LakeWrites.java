package io.weir.runner;

import io.weir.runner.lake.Lake;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.disk.IOManager;
import org.apache.paimon.data.serializer.InternalRowSerializer;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ReadBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes to a lake table that no Weir build makes, through Paimon's own API, as another tool would. */
public final class LakeWrites {

    private LakeWrites() {}

    /** Commits one row of a partition again, unchanged, as a new file: a write that changes no value. */
    public static void writeBackOneRow(Lake lake, String table, String partition) throws Exception {
        writeBack(lake, table, partition, 1);
    }

    /** Commits every row of a partition again, unchanged: each bucket takes a new file. */
    public static void writeBackAllRows(Lake lake, String table, String partition) throws Exception {
        writeBack(lake, table, partition, Integer.MAX_VALUE);
    }

    private static void writeBack(Lake lake, String table, String partition, int limit) throws Exception {
        FileStoreTable t = lake.table(table);
        ReadBuilder read = t.newReadBuilder().withPartitionFilter(Map.of(t.partitionKeys().get(0), partition));
        InternalRowSerializer copier = new InternalRowSerializer(t.rowType());
        List<InternalRow> rows = new ArrayList<>();
        try (RecordReader<InternalRow> reader = read.newRead().createReader(read.newScan().plan())) {
            reader.forEachRemaining(row -> rows.add(copier.copy(row)));
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException(table + " partition " + partition + " holds no row to write back");
        }
        BatchWriteBuilder write = t.newBatchWriteBuilder();
        try (IOManager io = IOManager.create(System.getProperty("java.io.tmpdir"));
                BatchTableWrite writer = (BatchTableWrite) write.newWrite().withIOManager(io); BatchTableCommit commit = write.newCommit()) {
            for (InternalRow row : rows.subList(0, Math.min(limit, rows.size()))) {
                writer.write(row);
            }
            commit.commit(writer.prepareCommit());
        }
    }

    /** Fully compacts every bucket of a partition: new files, the same rows. */
    public static void compact(Lake lake, String table, String partition) throws Exception {
        FileStoreTable t = lake.table(table);
        List<DataSplit> splits = t.newSnapshotReader()
                .withPartitionFilter(Map.of(t.partitionKeys().get(0), partition)).read().dataSplits();
        BatchWriteBuilder write = t.newBatchWriteBuilder();
        try (IOManager io = IOManager.create(System.getProperty("java.io.tmpdir"));
                BatchTableWrite writer = (BatchTableWrite) write.newWrite().withIOManager(io); BatchTableCommit commit = write.newCommit()) {
            for (DataSplit split : splits) {
                writer.compact(split.partition(), split.bucket(), true);
            }
            commit.commit(writer.prepareCommit());
        }
    }
}
