package io.weir.backfill;

import org.apache.paimon.CoreOptions;
import org.apache.paimon.Snapshot;
import org.apache.paimon.data.BinaryRow;
import org.apache.paimon.fs.FileIO;
import org.apache.paimon.fs.Path;
import org.apache.paimon.io.CompactIncrement;
import org.apache.paimon.io.DataFileMeta;
import org.apache.paimon.io.DataFilePathFactory;
import org.apache.paimon.io.DataIncrement;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.CommitMessage;
import org.apache.paimon.table.sink.CommitMessageImpl;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ScanMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives a table back the stream's commits that a backfill's overwrite replaced.
 *
 * <p>An overwrite of partition D replaces every file of D, also those the stream committed while
 * the backfill ran; a change among them that the backfill did not read would be lost. For a table
 * whose merge is decided by the rows' own sequence fields, not by the order of writes, the stream's
 * files can simply be added again after the overwrite: a row the backfill read newer keeps its
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
     * A write-back: the rows it added again, the newest snapshot before it, and the write positions
     * of its files per bucket.
     */
    record WriteBack(long rows, long after, Map<WriteRanks.Bucket, WriteRanks.Range> ranges) {}

    /**
     * The partitions in which a stream commit after the write-back numbers rows at or below the
     * copies: its writer started on the bucket between the overwrite and the write-back, counting on
     * from the rebuild's files, so the copied (older) rows would win the ties against its newer ones.
     * Write-backs are told apart from the stream's commits by the batch commit identifier.
     */
    static Set<String> rankingBelowWriteBack(FileStoreTable table, WriteBack writeBack) {
        Set<String> below = new java.util.TreeSet<>();
        for (long id : streamCommitsAfter(table, writeBack)) {
            below.addAll(WriteRanks.rankingBelow(WriteRanks.added(table, id), writeBack.ranges()));
        }
        return below;
    }

    /** The stream's commits (appends that are not a batch's) after the write-back, oldest first. */
    static List<Long> streamCommitsAfter(FileStoreTable table, WriteBack writeBack) {
        List<Long> ids = new ArrayList<>();
        Long latest = table.snapshotManager().latestSnapshotId();
        for (long id = writeBack.after() + 1; latest != null && id <= latest; id++) {
            Snapshot snapshot = table.snapshotManager().snapshot(id);
            if (snapshot.commitKind() == Snapshot.CommitKind.APPEND
                    && snapshot.commitIdentifier() != org.apache.paimon.table.sink.BatchWriteBuilder.COMMIT_IDENTIFIER) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Adds again, in one commit, the files the stream appended to {@code partitions} after snapshot
     * {@code after} and before the last overwrite since; returns how many rows they hold (deletes
     * included).
     *
     * <p>The files are copied as they are, so their rows keep the write positions the stream's writer
     * gave them: below what it writes next, above the rebuild's rows. Rows written anew would be
     * numbered after everything in the bucket, the stream's later rows included, and win every tie
     * of equal sequence values against them. Refused (an exception; the round is then repeated) when
     * a bucket's stream rows rank at or below the rebuild's, so that the rebuild's would win the ties.
     */
    static WriteBack replay(FileStoreTable table, long after, Set<String> partitions) throws Exception {
        Long latest = table.snapshotManager().latestSnapshotId();
        Map<Long, Snapshot.CommitKind> kinds = new HashMap<>();
        long lastOverwrite = after;
        for (long id = after + 1; latest != null && id <= latest; id++) {
            kinds.put(id, table.snapshotManager().snapshot(id).commitKind());
            if (kinds.get(id) == Snapshot.CommitKind.OVERWRITE) {
                lastOverwrite = id;
            }
        }
        Map<WriteRanks.Bucket, WriteRanks.Range> rebuilt = lastOverwrite > after
                ? WriteRanks.added(table, lastOverwrite) : Map.of();
        // A stream writer that started again after the overwrite counts on from the rebuild's files:
        // its rows may then rank below the copies, which would beat them on equal sequence values.
        Map<WriteRanks.Bucket, WriteRanks.Range> since = new HashMap<>();
        for (long id = lastOverwrite + 1; latest != null && id <= latest; id++) {
            if (kinds.get(id) == Snapshot.CommitKind.APPEND) {
                WriteRanks.added(table, id).forEach((bucket, range) -> since.merge(bucket, range, WriteRanks.Range::union));
            }
        }
        boolean partitioned = !table.partitionKeys().isEmpty();
        FileIO io = table.fileIO();
        Map<Target, List<DataFileMeta>> copies = new LinkedHashMap<>();
        List<Path> copied = new ArrayList<>();
        long rows = 0;
        try {
            for (long id = after + 1; id < lastOverwrite; id++) {
                if (kinds.get(id) != Snapshot.CommitKind.APPEND) {
                    continue;
                }
                for (DataSplit split : table.newSnapshotReader().withSnapshot(id).withMode(ScanMode.DELTA).read()
                        .dataSplits()) {
                    String partition = partitioned ? split.partition().getString(0).toString() : "";
                    if (split.dataFiles().isEmpty() || !partitions.contains(partition)) {
                        continue;
                    }
                    WriteRanks.Bucket bucket = new WriteRanks.Bucket(partition, split.bucket());
                    WriteRanks.Range rebuiltRange = rebuilt.get(bucket);
                    WriteRanks.Range laterRange = since.get(bucket);
                    DataFilePathFactory paths = table.store().pathFactory()
                            .createDataFilePathFactory(split.partition(), split.bucket());
                    for (DataFileMeta file : split.dataFiles()) {
                        if (rebuiltRange != null && file.minSequenceNumber() <= rebuiltRange.max()) {
                            throw new IllegalStateException("the stream's rows of partition '" + partition
                                    + "' bucket " + split.bucket() + " rank below the rebuild's in Paimon's write order");
                        }
                        if (laterRange != null && laterRange.min() <= file.maxSequenceNumber()) {
                            throw new IllegalStateException("the stream's writer of partition '" + partition
                                    + "' bucket " + split.bucket() + " started again after the rebuild and ranks its"
                                    + " rows below the ones to write back");
                        }
                        if (file.externalPath().isPresent() || !file.extraFiles().isEmpty()) {
                            throw new IllegalStateException("file " + file.fileName() + " keeps data outside its bucket");
                        }
                        String name = file.fileName();
                        Path target = paths.newPathFromExtension(name.substring(name.indexOf('.')));
                        io.copyFile(paths.toPath(file), target, false);
                        copied.add(target);
                        copies.computeIfAbsent(new Target(split.partition().copy(), split.bucket(), split.totalBuckets()),
                                t -> new ArrayList<>()).add(file.rename(target.getName()));
                        rows += file.rowCount();
                    }
                }
            }
            Map<WriteRanks.Bucket, WriteRanks.Range> ranges = new HashMap<>();
            copies.forEach((t, files) -> files.forEach(f -> ranges.merge(new WriteRanks.Bucket(partitioned
                    ? t.partition().getString(0).toString() : "", t.bucket()), WriteRanks.Range.of(f), WriteRanks.Range::union)));
            if (!copies.isEmpty()) {
                List<CommitMessage> messages = new ArrayList<>();
                copies.forEach((t, files) -> messages.add(new CommitMessageImpl(t.partition(), t.bucket(),
                        t.totalBuckets(), new DataIncrement(files, List.of(), List.of()),
                        CompactIncrement.emptyIncrement())));
                try (BatchTableCommit commit = table.newBatchWriteBuilder().newCommit()) {
                    commit.commit(messages);
                }
            }
            return new WriteBack(rows, latest == null ? 0 : latest, ranges);
        } catch (Exception | Error e) {
            for (Path path : copied) {
                io.deleteQuietly(path);
            }
            throw e;
        }
    }

    private record Target(BinaryRow partition, int bucket, Integer totalBuckets) {}
}
