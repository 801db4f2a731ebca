package io.weir.scheduler;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.lake.Lake;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a layer's stream takes to pass on what its upstream tables commit. A layer's watermark
 * moves only after its inputs' watermarks have moved, so the delay is measured between watermark
 * moves: from the commit that first recorded an upstream table's watermark as it stood when the
 * layer's watermark last moved (the upstream that moved last, which let the layer's move), to the layer's commit that first recorded its own current
 * watermark. Comparing moves, not values, keeps it right when the layers take their event times
 * from different columns. Which upstream commit a layer's checkpoint consumed is not recorded, so
 * this is right to within about one checkpoint interval. Each move's commit never changes, so
 * each is looked up once: a quiet stream's heartbeats add snapshots, not work.
 */
final class HopDelay {

    /** How far back to walk over commits that carry one watermark: past it, the delay is unknown. */
    private static final int MAX_SNAPSHOTS = 500;
    private static final int MAX_REMEMBERED = 10_000;

    private final Lake lake;
    private final LakeState lakeState;
    /** By table and watermark: when the table first committed that watermark. */
    private final Map<String, Optional<Long>> ownMoves = new ConcurrentHashMap<>();
    /** By table and time: when the watermark the table had then was first committed. */
    private final Map<String, Optional<Long>> upstreamMoves = new ConcurrentHashMap<>();

    HopDelay(Lake lake, LakeState lakeState) {
        this.lake = lake;
        this.lakeState = lakeState;
    }

    Optional<Long> millisOf(LayerConf layer) {
        Optional<Long> watermark = lakeState.of(layer.table()).watermark();
        if (watermark.isEmpty() || layer.upstream().isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> moved = remembered(ownMoves, layer.table() + "@" + watermark.get(), () -> lake
                .watermarkFirstCommitted(layer.table(), Long.MAX_VALUE, MAX_SNAPSHOTS)
                .filter(found -> found[0] == watermark.get()).map(found -> found[1]));
        if (moved.isEmpty()) {
            return Optional.empty();
        }
        Long lastMoved = null;
        for (String table : layer.upstream()) {
            if (lakeState.of(table).watermark().isEmpty()) {
                continue; // a dimension copy or a batch table: no stream to wait for
            }
            Optional<Long> upstreamMoved = remembered(upstreamMoves, table + "@" + moved.get(), () -> lake
                    .watermarkFirstCommitted(table, moved.get(), MAX_SNAPSHOTS).map(found -> found[1]));
            if (upstreamMoved.isEmpty()) {
                return Optional.empty();
            }
            // The input that moved last is the one that let the layer's watermark move.
            lastMoved = lastMoved == null ? upstreamMoved.get() : Math.max(lastMoved, upstreamMoved.get());
        }
        return lastMoved == null ? Optional.empty() : Optional.of(Math.max(0, moved.get() - lastMoved));
    }

    /**
     * Each answer is kept, an unknown one too: history only grows away from it. A snapshot that
     * expires while it is read makes the answer unknown, not the status.
     */
    private static Optional<Long> remembered(Map<String, Optional<Long>> known, String key,
            java.util.function.Supplier<Optional<Long>> find) {
        Optional<Long> answer = known.get(key);
        if (answer != null) {
            return answer;
        }
        if (known.size() > MAX_REMEMBERED) {
            known.clear();
        }
        try {
            answer = find.get();
        } catch (RuntimeException expiredMeanwhile) {
            return Optional.empty();
        }
        known.put(key, answer);
        return answer;
    }
}
