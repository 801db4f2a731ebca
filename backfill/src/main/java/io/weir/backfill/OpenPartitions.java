package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds partitions that are still open: a table that judges the layer (see {@link Closing}) is not
 * closed through the partition's end, so more data for it may still arrive. A layer without
 * upstream layers (ODS) is judged by its own table.
 */
final class OpenPartitions {

    private final Closing closing;

    OpenPartitions(PipelineConf conf, Lake lake) {
        this.closing = new Closing(conf, lake, Clock.systemUTC());
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

    /** Open partitions by value, with the reason; each judging table is read once. */
    private Map<String, String> open(LayerConf layer, List<Partition> partitions) {
        // A table no stream has written is complete as far as its builds go: the ledger judges it.
        List<Closing.Closed> judges = closing.judges(layer);
        Map<String, String> open = new LinkedHashMap<>();
        for (Partition partition : partitions) {
            Instant end = partition.end().toInstant(ZoneOffset.UTC);
            for (Closing.Closed judge : judges) {
                if (!judge.passed(end)) {
                    open.put(partition.value(), partition.value() + ": " + judge.table() + " " + judge.state()
                            + " has not passed the partition's end " + Closing.show(end));
                    break;
                }
            }
        }
        return open;
    }
}
