package io.weir.runner;

import io.weir.runner.lake.Lake;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
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

    /** Commits a copy of one row of {@code from} into the partition {@code to}: data that no build of {@code to} wrote. */
    public static void copyOneRow(Lake lake, String table, String from, String to) throws Exception {
        FileStoreTable t = lake.table(table);
        InternalRow row = rowsOf(t, from).get(0);
        int partitionField = t.rowType().getFieldIndex(t.partitionKeys().get(0));
        GenericRow copy = new GenericRow(row.getRowKind(), row.getFieldCount());
        for (int i = 0; i < row.getFieldCount(); i++) {
            copy.setField(i, i == partitionField ? BinaryString.fromString(to)
                    : InternalRow.createFieldGetter(t.rowType().getTypeAt(i), i).getFieldOrNull(row));
        }
        commit(t, List.of(copy));
    }

    private static List<InternalRow> rowsOf(FileStoreTable t, String partition) throws Exception {
        ReadBuilder read = t.newReadBuilder().withPartitionFilter(Map.of(t.partitionKeys().get(0), partition));
        InternalRowSerializer copier = new InternalRowSerializer(t.rowType());
        List<InternalRow> rows = new ArrayList<>();
        try (RecordReader<InternalRow> reader = read.newRead().createReader(read.newScan().plan())) {
            reader.forEachRemaining(row -> rows.add(copier.copy(row)));
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException(t.name() + " partition " + partition + " holds no row to copy");
        }
        return rows;
    }

    private static void writeBack(Lake lake, String table, String partition, int limit) throws Exception {
        FileStoreTable t = lake.table(table);
        List<InternalRow> rows = rowsOf(t, partition);
        commit(t, rows.subList(0, Math.min(limit, rows.size())));
    }

    private static void commit(FileStoreTable t, List<InternalRow> rows) throws Exception {
        BatchWriteBuilder write = t.newBatchWriteBuilder();
        try (IOManager io = IOManager.create(System.getProperty("java.io.tmpdir"));
                BatchTableWrite writer = (BatchTableWrite) write.newWrite().withIOManager(io); BatchTableCommit commit = write.newCommit()) {
            for (InternalRow row : rows) {
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
