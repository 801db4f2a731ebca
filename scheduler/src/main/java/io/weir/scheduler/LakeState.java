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

    private final Lake lake;
    private final Map<String, TableState> cache = new ConcurrentHashMap<>();

    LakeState(Lake lake) {
        this.lake = lake;
    }

    TableState of(String table) {
        if (!lake.tableExists(table)) {
            return TableState.MISSING;
        }
        long snapshotId = lake.latestSnapshotId(table).orElse(0L);
        TableState cached = cache.get(table);
        if (cached != null && cached.snapshotId() == snapshotId) {
            return cached;
        }
        TableState state = snapshotId == 0
                ? new TableState(true, 0, Optional.empty(), Map.of(), Optional.empty())
                : new TableState(true, snapshotId, lake.watermark(table), lake.partitionsLastWritten(table),
                        lake.latestCommitMillis(table));
        cache.put(table, state);
        return state;
    }

    /**
     * A table as the scheduler sees it.
     *
     * @param watermark newest watermark a streaming writer recorded (batch commits record none)
     * @param partitionsLastWritten per partition value, when its newest data file was written
     * @param lastCommitMillis when the newest snapshot was committed
     */
    record TableState(boolean exists, long snapshotId, Optional<Long> watermark,
            Map<String, Long> partitionsLastWritten, Optional<Long> lastCommitMillis) {

        static final TableState MISSING = new TableState(false, 0, Optional.empty(), Map.of(), Optional.empty());

        boolean streamWritten() {
            return watermark.isPresent();
        }
    }
}
