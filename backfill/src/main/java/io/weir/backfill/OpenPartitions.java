package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.lake.Lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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
        List<String> sealed = new ArrayList<>();
        for (Partition partition : partitions) {
            if (of(layer, List.of(partition)).isEmpty()) {
                sealed.add(partition.value());
            }
        }
        return sealed;
    }

    /** One line per open partition, saying which table holds it open. */
    List<String> of(LayerConf layer, List<Partition> partitions) {
        List<String> reasons = new ArrayList<>();
        List<String> judges = layer.upstream().isEmpty() ? List.of(layer.table()) : layer.upstream();
        for (Partition partition : partitions) {
            long end = partition.end().toInstant(ZoneOffset.UTC).toEpochMilli();
            for (String table : judges) {
                Optional<Long> watermark = lake.tableExists(table) ? lake.watermark(table) : Optional.empty();
                if (watermark.isPresent() && watermark.get() < end) {
                    reasons.add(partition.value() + ": " + table + " watermark "
                            + Instant.ofEpochMilli(watermark.get()).toString().replace("T", " ").replace("Z", "")
                            + " has not passed the partition's end " + partition.end().toString().replace("T", " "));
                    break;
                }
            }
        }
        return reasons;
    }
}
