package io.weir.scheduler;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.lake.Lake;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a layer's stream takes to pass on what its upstream tables commit: from the newest
 * upstream commit of rows before the layer's newest commit of rows, to that commit. Which upstream
 * commit a checkpoint consumed is not recorded, so this is right to within about one checkpoint
 * interval. It needs no event time, so it holds for layers whose watermarks come from different
 * columns, or that have none. Each table's newest commit of rows is followed incrementally, so a
 * quiet stream's heartbeats add snapshots, not work.
 */
final class HopDelay {

    /** How many snapshots to walk back for a commit of rows: past it, the delay is unknown. */
    private static final int MAX_SNAPSHOTS = 500;
    private static final int MAX_REMEMBERED = 10_000;

    private final Lake lake;
    private final LakeState lakeState;
    /** By table: the newest snapshot looked at, and the newest commit of rows up to it. */
    private final Map<String, Followed> newestData = new ConcurrentHashMap<>();
    /** By table and time: the newest commit of rows at or before that time. */
    private final Map<String, Long> dataBefore = new ConcurrentHashMap<>();

    HopDelay(Lake lake, LakeState lakeState) {
        this.lake = lake;
        this.lakeState = lakeState;
    }

    Optional<Long> millisOf(LayerConf layer) {
        if (layer.upstream().isEmpty()) {
            return Optional.empty();
        }
        try {
            Optional<Long> consumedAt = newestDataCommit(layer.table());
            if (consumedAt.isEmpty()) {
                return Optional.empty();
            }
            Long committedAt = null;
            for (String table : layer.upstream()) {
                LakeState.TableState upstream = lakeState.of(table);
                if (!upstream.recordsWatermark() && !upstream.streamCommits()) {
                    continue; // built in batch: no stream hop to measure
                }
                Optional<Long> before = dataCommitBefore(table, consumedAt.get());
                if (before.isPresent()) {
                    committedAt = committedAt == null ? before.get() : Math.max(committedAt, before.get());
                }
            }
            return committedAt == null ? Optional.empty() : Optional.of(Math.max(0, consumedAt.get() - committedAt));
        } catch (RuntimeException expiredMeanwhile) {
            return Optional.empty(); // a snapshot expired while it was read: unknown, not a failed status
        }
    }

    /** The table's newest commit of rows, looking only at snapshots newer than the last look. */
    private Optional<Long> newestDataCommit(String table) {
        LakeState.TableState state = lakeState.of(table);
        if (state.snapshotId() == 0 || state.lastCommitMillis().isEmpty()) {
            return Optional.empty();
        }
        Followed known = newestData.get(table);
        if (known != null && known.snapshotId() == state.snapshotId()) {
            return known.dataMillis();
        }
        long after = known == null || known.snapshotId() > state.snapshotId() ? 0 : known.snapshotId();
        Optional<Long> found = lake.lastDataCommit(table, after, state.lastCommitMillis().get(), MAX_SNAPSHOTS)
                .map(commit -> commit[1]);
        Optional<Long> newest = found.isPresent() || known == null || after == 0 ? found : known.dataMillis();
        newestData.put(table, new Followed(state.snapshotId(), newest));
        return newest;
    }

    /** The newest commit of rows at or before the time: it never changes once found. */
    private Optional<Long> dataCommitBefore(String table, long atMillis) {
        String key = table + "@" + atMillis;
        Long known = dataBefore.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        if (dataBefore.size() > MAX_REMEMBERED) {
            dataBefore.clear();
        }
        Optional<Long> found = lake.lastDataCommit(table, 0, atMillis, MAX_SNAPSHOTS).map(commit -> commit[1]);
        found.ifPresent(millis -> dataBefore.put(key, millis));
        return found;
    }

    private record Followed(long snapshotId, Optional<Long> dataMillis) {}
}
