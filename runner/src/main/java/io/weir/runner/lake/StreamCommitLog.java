package io.weir.runner.lake;

import org.apache.paimon.Snapshot;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.utils.SnapshotManager;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * When a table's snapshots were committed, and which were a streaming writer's, each read once: a
 * snapshot never changes, and whether a stream ran without a break is asked every few seconds over
 * the last minutes of commits. Only the window last asked about is kept.
 */
final class StreamCommitLog {

    private record Commit(long timeMillis, boolean streaming) {}

    private final NavigableMap<Long, Commit> commits = new TreeMap<>();

    /**
     * Whether a streaming writer committed all through {@code [sinceMillis, nowMillis]}, no two of
     * its commits (nor the last and now) further apart than {@code maxGapMillis}.
     */
    synchronized boolean withoutBreak(SnapshotManager snapshots, long sinceMillis, long nowMillis, long maxGapMillis) {
        Snapshot newest = snapshots.latestSnapshot();
        Long earliest = snapshots.earliestSnapshotId();
        if (newest == null || earliest == null) {
            return false;
        }
        Commit known = commits.get(newest.id());
        if ((!commits.isEmpty() && commits.lastKey() > newest.id())
                || (known != null && known.timeMillis() != newest.timeMillis())) {
            commits.clear(); // rolled back: the ids name other commits now
        }
        long later = nowMillis;
        for (long id = newest.id(); id >= earliest; id--) {
            Commit commit = commits.computeIfAbsent(id, i -> of(i == newest.id() ? newest : snapshots.snapshot(i)));
            if (later - commit.timeMillis() > maxGapMillis) {
                commits.headMap(id, false).clear();
                return false;
            }
            if (!commit.streaming()) {
                continue;
            }
            if (commit.timeMillis() <= sinceMillis) {
                commits.headMap(id, false).clear();
                return true;
            }
            later = commit.timeMillis();
        }
        return false;
    }

    private static Commit of(Snapshot s) {
        return new Commit(s.timeMillis(), s.commitKind() == Snapshot.CommitKind.APPEND
                && s.commitIdentifier() != BatchWriteBuilder.COMMIT_IDENTIFIER);
    }
}
