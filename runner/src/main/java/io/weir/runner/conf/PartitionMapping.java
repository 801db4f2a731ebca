package io.weir.runner.conf;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Which partitions of an upstream table a partition of a layer reads, and so which partitions of
 * the layer a change upstream reaches. One rule serves readiness, late data and cascades: a
 * partition [s, e) reads every upstream partition whose span overlaps [s - lookback, e), whatever
 * the two granularities (an hourly upstream feeds the day that holds the hour; a daily upstream
 * feeds every hour of the day).
 */
public final class PartitionMapping {

    private PartitionMapping() {}

    /** The upstream partitions (named by {@code upstream}'s spec) that a partition of {@code layer} reads. */
    public static List<Partition> read(LayerConf layer, Partition partition, PartitionSpec upstream) {
        List<Partition> result = new ArrayList<>();
        LocalDateTime from = partition.start().minus(layer.lookback());
        for (LocalDateTime t = upstream.partitionOf(from).start(); t.isBefore(partition.end());
                t = upstream.granularity().next(t)) {
            result.add(upstream.partitionOf(t));
        }
        return result;
    }

    /** Whether a partition of {@code layer} reads the upstream partition {@code upstream}. */
    public static boolean reads(LayerConf layer, Partition partition, Partition upstream) {
        return upstream.start().isBefore(partition.end())
                && upstream.end().isAfter(partition.start().minus(layer.lookback()));
    }

    /**
     * The span [start, end) of the layer's partitions that read any time of [from, to): the ones to
     * rebuild after upstream partitions within it changed.
     */
    public static LocalDateTime[] fed(LayerConf layer, LocalDateTime from, LocalDateTime to) {
        return new LocalDateTime[] {from, to.plus(layer.lookback())};
    }
}
