package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.lake.Lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds partitions that are still open: an upstream table's watermark (recorded by its streaming
 * writer) has not passed the partition's end, so more data for it may still arrive. A layer
 * without upstream layers (ODS) is judged by its own table's watermark.
 */
final class OpenPartitions {

    private final Lake lake;

    OpenPartitions(Lake lake) {
        this.lake = lake;
    }

    /** The values of the partitions that have sealed: no upstream table holds them open. */
    List<String> sealed(LayerConf layer, List<Partition> partitions) {
        Map<String, String> open = open(layer, partitions);
        return partitions.stream().map(Partition::value).filter(v -> !open.containsKey(v)).toList();
    }

    /** One line per open partition, saying which table holds it open. */
    List<String> of(LayerConf layer, List<Partition> partitions) {
        return List.copyOf(open(layer, partitions).values());
    }

    /** Open partitions by value, with the reason; each judging table's watermark is read once. */
    private Map<String, String> open(LayerConf layer, List<Partition> partitions) {
        Map<String, Optional<Long>> watermarks = new LinkedHashMap<>();
        for (String table : layer.upstream().isEmpty() ? List.of(layer.table()) : layer.upstream()) {
            watermarks.put(table, lake.tableExists(table) ? lake.watermark(table) : Optional.empty());
        }
        Map<String, String> open = new LinkedHashMap<>();
        for (Partition partition : partitions) {
            long end = partition.end().toInstant(ZoneOffset.UTC).toEpochMilli();
            for (Map.Entry<String, Optional<Long>> judge : watermarks.entrySet()) {
                Optional<Long> watermark = judge.getValue();
                if (watermark.isPresent() && watermark.get() < end) {
                    open.put(partition.value(), partition.value() + ": " + judge.getKey() + " watermark "
                            + Instant.ofEpochMilli(watermark.get()).toString().replace("T", " ").replace("Z", "")
                            + " has not passed the partition's end " + partition.end().toString().replace("T", " "));
                    break;
                }
            }
        }
        return open;
    }
}
