package io.weir.backfill;

import org.apache.paimon.CoreOptions;
import org.apache.paimon.Snapshot;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ScanMode;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Gives a table back the stream's commits that a backfill's overwrite replaced.
 *
 * <p>An overwrite of partition D replaces every file of D, also those the stream committed while
 * the backfill ran; a change among them that the backfill did not read would be lost. For a table
 * whose merge is decided by the rows' own sequence fields, not by the order of writes, the stream's
 * rows can simply be written again after the overwrite: a row the backfill read newer keeps its
 * value, a newer row of the stream wins, and a delete removes what it removed before. That holds for
 * a primary key table that deduplicates by {@code sequence.field}, and for a partial-update table
 * whose every column lies in a sequence group, with no aggregate functions; in a fixed bucket, without
 * deletion vectors, and with a changelog derived from merged rows. Any other table (whose merge
 * follows write order, or sums) rebuilds the partitions again instead.
 */
final class StreamCommitReplay {

    private static final String FIELDS = "fields.";
    private static final String SEQUENCE_GROUP = ".sequence-group";

    private StreamCommitReplay() {}

    /** Whether writing the stream's rows again after an overwrite leaves the same rows as if it never had. */
    static boolean applies(FileStoreTable table) {
        if (table.primaryKeys().isEmpty()) {
            return false;
        }
        Map<String, String> options = table.options();
        CoreOptions core = CoreOptions.fromMap(options);
        // A dynamic bucket (-1) is chosen per key again by the overwrite: a row written back into the
        // stream's bucket would leave its key in two. Deletion vectors make batch reads skip level 0,
        // where the written-back files lie. A changelog of the input ('none', 'input') would hand the
        // stream's old rows to downstream streams a second time; 'lookup' and 'full-compaction' derive
        // it from the merged rows, so a row written back unchanged adds nothing.
        if (core.bucket() < 1 || core.deletionVectorsEnabled()
                || (core.changelogProducer() != CoreOptions.ChangelogProducer.LOOKUP
                        && core.changelogProducer() != CoreOptions.ChangelogProducer.FULL_COMPACTION)) {
            return false;
        }
        if (options.containsKey(CoreOptions.FIELDS_DEFAULT_AGG_FUNC.key()) || options.keySet().stream()
                .anyMatch(k -> k.startsWith(FIELDS) && k.endsWith(".aggregate-function"))) {
            return false;
        }
        CoreOptions.MergeEngine engine = core.mergeEngine();
        if (engine == CoreOptions.MergeEngine.DEDUPLICATE) {
            return options.containsKey(CoreOptions.SEQUENCE_FIELD.key());
        }
        if (engine != CoreOptions.MergeEngine.PARTIAL_UPDATE) {
            return false;
        }
        Set<String> ordered = new HashSet<>(table.primaryKeys());
        for (Map.Entry<String, String> option : options.entrySet()) {
            String key = option.getKey();
            if (key.startsWith(FIELDS) && key.endsWith(SEQUENCE_GROUP)) {
                String sequenceFields = key.substring(FIELDS.length(), key.length() - SEQUENCE_GROUP.length());
                Arrays.stream(sequenceFields.split(",")).map(String::trim).forEach(ordered::add);
                Arrays.stream(option.getValue().split(",")).map(String::trim).forEach(ordered::add);
            }
        }
        return ordered.containsAll(table.rowType().getFieldNames());
    }

    /**
     * Writes again, in one commit, what the stream appended to {@code partitions} after snapshot
     * {@code after} and before the last overwrite since; returns how many rows (deletes included).
     */
    static long replay(FileStoreTable table, long after, Set<String> partitions) throws Exception {
        Long latest = table.snapshotManager().latestSnapshotId();
        long lastOverwrite = after;
        for (long id = after + 1; latest != null && id <= latest; id++) {
            if (table.snapshotManager().snapshot(id).commitKind() == Snapshot.CommitKind.OVERWRITE) {
                lastOverwrite = id;
            }
        }
        boolean partitioned = !table.partitionKeys().isEmpty();
        // Write-only: the stream's writer compacts this table, and a second compactor would conflict with it.
        BatchWriteBuilder builder = table.copy(Map.of(CoreOptions.WRITE_ONLY.key(), "true")).newBatchWriteBuilder();
        long rows = 0;
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (long id = after + 1; id < lastOverwrite; id++) {
                if (table.snapshotManager().snapshot(id).commitKind() != Snapshot.CommitKind.APPEND) {
                    continue;
                }
                for (DataSplit split : table.newSnapshotReader().withSnapshot(id).withMode(ScanMode.DELTA).read()
                        .dataSplits()) {
                    String partition = partitioned ? split.partition().getString(0).toString() : "";
                    if (split.dataFiles().isEmpty() || !partitions.contains(partition)) {
                        continue;
                    }
                    // Deletes kept: a row the stream removed stays removed.
                    try (RecordReader<InternalRow> reader = table.newRead().forceKeepDelete().createReader(split)) {
                        RecordReader.RecordIterator<InternalRow> batch;
                        while ((batch = reader.readBatch()) != null) {
                            InternalRow row;
                            while ((row = batch.next()) != null) {
                                write.write(row, split.bucket());
                                rows++;
                            }
                            batch.releaseBatch();
                        }
                    }
                }
            }
            if (rows > 0) {
                commit.commit(write.prepareCommit());
            }
        }
        return rows;
    }
}
