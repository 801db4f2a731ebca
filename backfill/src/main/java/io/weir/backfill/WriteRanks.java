package io.weir.backfill;

import org.apache.paimon.io.DataFileMeta;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ScanMode;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a commit's rows stand in Paimon's write order: per partition and bucket, the range of
 * sequence numbers its files carry.
 *
 * <p>Paimon merges two rows of one key by that number when nothing else decides: always for a table
 * whose merge follows write order, and on equal {@code sequence.field} values otherwise. Each writer
 * counts on from the files it found when it started, and an overwrite's writer starts again at zero.
 * So a stream writer that kept writing a bucket since before a rebuild may number its newer rows below
 * the rebuild's older ones, and lose to them for good.
 */
final class WriteRanks {

    /** One bucket of one partition ("" for an unpartitioned table). */
    record Bucket(String partition, int bucket) {}

    /** The lowest and highest sequence number of a set of files. */
    record Range(long min, long max) {
        Range union(Range other) {
            return new Range(Math.min(min, other.min), Math.max(max, other.max));
        }

        static Range of(DataFileMeta file) {
            return new Range(file.minSequenceNumber(), file.maxSequenceNumber());
        }
    }

    private WriteRanks() {}

    /** The ranges of the files snapshot {@code snapshotId} added, per bucket. */
    static Map<Bucket, Range> added(FileStoreTable table, long snapshotId) {
        boolean partitioned = !table.partitionKeys().isEmpty();
        Map<Bucket, Range> ranges = new HashMap<>();
        for (DataSplit split : table.newSnapshotReader().withSnapshot(snapshotId).withMode(ScanMode.DELTA).read()
                .dataSplits()) {
            Bucket bucket = new Bucket(partitioned ? split.partition().getString(0).toString() : "", split.bucket());
            for (DataFileMeta file : split.dataFiles()) {
                ranges.merge(bucket, Range.of(file), Range::union);
            }
        }
        return ranges;
    }

    /** The partitions in which some bucket of {@code later} numbers a row at or below the highest of {@code earlier}. */
    static Set<String> rankingBelow(Map<Bucket, Range> later, Map<Bucket, Range> earlier) {
        Set<String> partitions = new TreeSet<>();
        later.forEach((bucket, range) -> {
            Range before = earlier.get(bucket);
            if (before != null && range.min() <= before.max()) {
                partitions.add(bucket.partition());
            }
        });
        return partitions;
    }
}
