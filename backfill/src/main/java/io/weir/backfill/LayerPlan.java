package io.weir.backfill;

import io.weir.runner.conf.LayerConf;

import java.util.List;

/**
 * What a backfill does to one layer: the chunks to run, and the partitions it skips because
 * {@link MissingPartitions} does not find them missing.
 */
public record LayerPlan(
        LayerConf layer, String sqlHash, List<Chunk> chunks, List<String> skipped, List<String> openPartitions) {

    public int partitionCount() {
        return chunks.stream().mapToInt(c -> c.partitionValues().size()).sum();
    }
}
