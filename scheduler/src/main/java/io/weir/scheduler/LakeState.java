package io.weir.scheduler;

import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PartitionFiles;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the scheduler reads of each table: re-read only when the table has committed a new
 * snapshot, so an idle scheduler polling many layers reads little more than snapshot hints.
 */
final class LakeState {

    /** A state read this recently is reused without touching storage: one tick asks about a table many times. */
    private static final long FRESH_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private final Lake lake;
    /** Per table, the state of its newest snapshot: re-read only when the snapshot id changes. */
    private final Map<String, TableState> cache = new ConcurrentHashMap<>();
    private final Map<String, Checked> checkedAt = new ConcurrentHashMap<>();
    private final Map<String, WrittenSince> writtenSince = new ConcurrentHashMap<>();

    LakeState(Lake lake) {
        this.lake = lake;
    }

    TableState of(String table) {
        Checked checked = checkedAt.get(table);
        long now = System.nanoTime();
        if (checked != null && now - checked.atNanos() < FRESH_NANOS) {
            return checked.state();
        }
        TableState state = read(table);
        checkedAt.put(table, new Checked(state, now));
        return state;
    }

    private TableState read(String table) {
        Optional<Long> newest = lake.snapshotIdIfExists(table);
        if (newest.isEmpty()) {
            return TableState.MISSING;
        }
        long snapshotId = newest.get();
        TableState cached = cache.get(table);
        if (cached != null && cached.snapshotId() == snapshotId) {
            return cached;
        }
        TableState state = snapshotId == 0
                ? new TableState(true, 0, Optional.empty(), Map.of(), Map.of(), Optional.empty(), false)
                : read(table, snapshotId, lake.partitionFiles(table));
        cache.put(table, state);
        return state;
    }


    /**
     * The partitions that snapshots after {@code snapshot} wrote, unless that history expired or
     * was rewritten (a rollback, the table made anew);
     * asked again only once the table commits.
     */
    Optional<java.util.Set<String>> writtenSince(String table, io.weir.runner.lake.SnapshotMark snapshot) {
        long newest = of(table).snapshotId();
        WrittenSince known = writtenSince.get(table + "@" + snapshot);
        if (known != null && known.asOf() == newest) {
            return known.partitions();
        }
        Optional<java.util.Set<String>> partitions = lake.partitionsWrittenSinceIfKept(table, snapshot);
        writtenSince.put(table + "@" + snapshot, new WrittenSince(newest, partitions));
        return partitions;
    }

    private record WrittenSince(long asOf, Optional<java.util.Set<String>> partitions) {}

    private TableState read(String table, long snapshotId, Map<String, PartitionFiles> partitions) {
        Map<String, Long> lastWritten = new java.util.TreeMap<>();
        partitions.forEach((value, files) -> lastWritten.put(value, files.lastWrittenMillis()));
        return new TableState(true, snapshotId, lake.watermark(table), partitions, lastWritten,
                lake.latestCommitMillis(table), lake.streamWritten(table));
    }

    private record Checked(TableState state, long atNanos) {}

    /**
     * A table as the scheduler sees it.
     *
     * @param watermark newest watermark a streaming writer recorded (batch commits record none)
     * @param partitions per partition value, its data files
     * @param partitionsLastWritten per partition value, when its newest data file was written (in this
     *     JVM's reading of the writer's clock: for display and hints, never proof of no change)
     * @param lastCommitMillis when the newest snapshot was committed
     * @param streamCommits whether a streaming job (a checkpointed writer) commits to it
     */
    record TableState(boolean exists, long snapshotId, Optional<Long> watermark,
            Map<String, PartitionFiles> partitions, Map<String, Long> partitionsLastWritten,
            Optional<Long> lastCommitMillis, boolean streamCommits) {

        static final TableState MISSING = new TableState(false, 0, Optional.empty(), Map.of(), Map.of(), Optional.empty(), false);

        /** Whether a streaming writer recorded a watermark in it; one that writes without any still {@link #streamCommits}. */
        boolean recordsWatermark() {
            return watermark.isPresent();
        }
    }
}
