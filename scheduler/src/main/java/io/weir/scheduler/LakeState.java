package io.weir.scheduler;

import io.weir.runner.lake.Lake;

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
                ? new TableState(true, 0, Optional.empty(), Map.of(), Optional.empty(), false)
                : new TableState(true, snapshotId, lake.watermark(table), lake.partitionsLastWritten(table),
                        lake.latestCommitMillis(table), lake.streamWritten(table));
        cache.put(table, state);
        return state;
    }


    private record Checked(TableState state, long atNanos) {}

    /**
     * A table as the scheduler sees it.
     *
     * @param watermark newest watermark a streaming writer recorded (batch commits record none)
     * @param partitionsLastWritten per partition value, when its newest data file was written
     * @param lastCommitMillis when the newest snapshot was committed
     * @param streamCommits whether a streaming job (a checkpointed writer) commits to it
     */
    record TableState(boolean exists, long snapshotId, Optional<Long> watermark,
            Map<String, Long> partitionsLastWritten, Optional<Long> lastCommitMillis, boolean streamCommits) {

        static final TableState MISSING = new TableState(false, 0, Optional.empty(), Map.of(), Optional.empty(), false);

        boolean streamWritten() {
            return watermark.isPresent();
        }
    }
}
