package io.weir.scheduler;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.lake.Lake;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a layer's stream takes to pass on what its upstream tables commit: for the layer's
 * watermark w, the commit time of the layer's first snapshot that reached w, minus that of the
 * slowest upstream table's first snapshot that reached w. A layer's watermark moves only once its
 * inputs' watermarks have, so this is the delay between an upstream commit and the downstream
 * commit that consumed it. The commit that first reached a watermark never changes, so each is
 * looked up once: a quiet stream's heartbeats add snapshots, not work.
 */
final class HopDelay {

    /** How far back to look for the commit that reached a watermark: past it, the delay is unknown. */
    private static final int MAX_SNAPSHOTS = 500;
    private static final int MAX_REMEMBERED = 10_000;

    private final Lake lake;
    private final LakeState lakeState;
    private final Map<String, Optional<Long>> reached = new ConcurrentHashMap<>();

    HopDelay(Lake lake, LakeState lakeState) {
        this.lake = lake;
        this.lakeState = lakeState;
    }

    Optional<Long> millisOf(LayerConf layer) {
        Optional<Long> watermark = lakeState.of(layer.table()).watermark();
        if (watermark.isEmpty() || layer.upstream().isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> ownReached = reached(layer.table(), watermark.get());
        if (ownReached.isEmpty()) {
            return Optional.empty();
        }
        Long slowest = null;
        for (String table : layer.upstream()) {
            if (lakeState.of(table).watermark().isEmpty()) {
                continue; // a dimension copy or a batch table: no stream to wait for
            }
            Optional<Long> upstreamReached = reached(table, watermark.get());
            if (upstreamReached.isEmpty()) {
                return Optional.empty();
            }
            slowest = slowest == null ? upstreamReached.get() : Math.max(slowest, upstreamReached.get());
        }
        return slowest == null ? Optional.empty() : Optional.of(Math.max(0, ownReached.get() - slowest));
    }

    private Optional<Long> reached(String table, long watermark) {
        String key = table + "@" + watermark;
        Optional<Long> known = reached.get(key);
        if (known != null && known.isPresent()) {
            return known;
        }
        if (reached.size() > MAX_REMEMBERED) {
            reached.clear();
        }
        Optional<Long> found = lake.firstCommitReaching(table, watermark, MAX_SNAPSHOTS);
        reached.put(key, found);
        return found;
    }
}
