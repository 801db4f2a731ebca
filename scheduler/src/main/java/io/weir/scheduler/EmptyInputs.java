package io.weir.scheduler;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The partitions a tick may record as built without a Flink job, because their batch form could only
 * write nothing: no upstream table holds data in any partition that starts before the partition's
 * end, and the partition itself holds no data file, so there is nothing to overwrite either. This is
 * the empty history before a warehouse's first rows, which a schedule's catch-up would otherwise pay
 * a job for. The rule looks at everything before the end, not only at the partitions the layer
 * declares it reads ({@link io.weir.runner.conf.PartitionMapping}), because a template may read
 * further back than its {@code lookback} says (a payment day reads orders of any earlier day), and a
 * wrong skip would be a silently missing partition. A layer whose template reads a source table (MySQL,
 * Kafka, whether or not it declares upstream tables too), or
 * an unpartitioned upstream (a dimension, read whole by every partition), is never skipped. Data that
 * arrives later makes the partition due as late data, as for any build. The lake is read as it is
 * now, not through the scheduler's cache: the caller records the upstream snapshots first, so data
 * newer than them is what late-data detection sees.
 */
final class EmptyInputs {

    private final PipelineConf conf;
    private final Lake lake;
    private final Renderer renderer;

    EmptyInputs(PipelineConf conf, Lake lake, Renderer renderer) {
        this.conf = conf;
        this.lake = lake;
        this.renderer = renderer;
    }

    List<Partition> of(LayerConf layer, List<Partition> ready) {
        if (layer.upstream().isEmpty() || layer.partition().isEmpty() || ready.isEmpty()
                || renderer.readsSourceTables(layer)) {
            return List.of();
        }
        LocalDateTime firstData = LocalDateTime.MAX;
        for (String table : layer.upstream()) {
            Optional<PartitionSpec> spec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (spec.isEmpty() || !lake.tableExists(table)) {
                return List.of();
            }
            for (String value : lake.partitionsWithFiles(table)) {
                Optional<Partition> partition = spec.get().parse(value);
                if (partition.isEmpty()) {
                    return List.of(); // a value of no time (a null partition column): no telling what it feeds
                }
                LocalDateTime start = partition.get().start();
                if (start.isBefore(firstData)) {
                    firstData = start;
                }
            }
        }
        java.util.Set<String> own = lake.tableExists(layer.table()) ? lake.partitionsWithFiles(layer.table()) : java.util.Set.of();
        List<Partition> empty = new ArrayList<>();
        for (Partition p : ready) {
            if (!p.end().isAfter(firstData) && !own.contains(p.value())) {
                empty.add(p);
            }
        }
        return empty;
    }
}
