package io.weir.runner.lake;

import org.apache.paimon.Snapshot;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.utils.SnapshotManager;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * When a table's snapshots were committed, and which were a streaming writer's, each read once: a
 * snapshot never changes, and how long a stream has run without a break is asked every few seconds.
 * Only the commits back to the last answer are kept.
 */
final class StreamCommitLog {

    private record Commit(long timeMillis, boolean streaming, Long watermark) {}

    /**
     * A stretch of a streaming writer's commits with no gap over the limit.
     *
     * @param endMillis      its newest commit
     * @param stoodWatermark the watermark every commit of its last span carried, where none moved it
     */
    record Run(long endMillis, Optional<Long> stoodWatermark) {}

    private final NavigableMap<Long, Commit> commits = new TreeMap<>();

    /**
     * The newest commit of a streaming writer that ends a stretch of at least {@code spanMillis} in
     * which it committed with no gap over {@code maxGapMillis}: a job that ran that long without a
     * stop. A job that stopped, or restarted less than the span ago, is answered by its last stretch.
     * Commits after {@code atMillis} are not looked at.
     */
    synchronized Optional<Run> endOfRun(SnapshotManager snapshots, long atMillis, long spanMillis, long maxGapMillis) {
        Snapshot newest = snapshots.latestSnapshot();
        Long earliest = snapshots.earliestSnapshotId();
        if (newest == null || earliest == null) {
            return Optional.empty();
        }
        Commit known = commits.get(newest.id());
        if ((!commits.isEmpty() && commits.lastKey() > newest.id())
                || (known != null && known.timeMillis() != newest.timeMillis())) {
            commits.clear(); // rolled back: the ids name other commits now
        }
        Long runEnd = null;
        long runStart = 0;
        Long endWatermark = null;
        boolean stood = false;
        for (long id = newest.id(); id >= earliest; id--) {
            Commit commit = commits.computeIfAbsent(id, i -> of(i == newest.id() ? newest : snapshots.snapshot(i)));
            if (commit.timeMillis() > atMillis) {
                continue;
            }
            if (runEnd != null && runStart - commit.timeMillis() > maxGapMillis) {
                runEnd = null; // the stretch broke before reaching the span: look at the one before
            }
            if (!commit.streaming()) {
                continue;
            }
            if (runEnd == null) {
                runEnd = commit.timeMillis();
                endWatermark = commit.watermark();
                stood = endWatermark != null;
            }
            runStart = commit.timeMillis();
            stood = stood && endWatermark.equals(commit.watermark());
            if (runEnd - runStart >= spanMillis) {
                if (atMillis == Long.MAX_VALUE) {
                    commits.headMap(id, false).clear();
                }
                return Optional.of(new Run(runEnd, stood ? Optional.of(endWatermark) : Optional.empty()));
            }
        }
        return Optional.empty();
    }

    private static Commit of(Snapshot s) {
        Long watermark = s.watermark() == null || s.watermark() == Long.MIN_VALUE ? null : s.watermark();
        return new Commit(s.timeMillis(), s.commitKind() == Snapshot.CommitKind.APPEND
                && s.commitIdentifier() != BatchWriteBuilder.COMMIT_IDENTIFIER, watermark);
    }
}
