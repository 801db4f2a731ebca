package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.template.RenderedLayer;

import java.util.List;

/** Consecutive partitions of one layer that one Flink batch job rebuilds. */
public record Chunk(LayerConf layer, List<Partition> partitions, RenderedLayer rendered) {

    /** Ledger keys: partition values, or "" for the whole of an unpartitioned table. */
    public List<String> partitionValues() {
        return partitions.isEmpty() ? List.of("") : partitions.stream().map(Partition::value).toList();
    }

    public String describe() {
        if (partitions.isEmpty()) {
            return layer.name() + " (whole table)";
        }
        String first = partitions.get(0).value();
        String last = partitions.get(partitions.size() - 1).value();
        return layer.name() + " " + (first.equals(last) ? first : first + ".." + last);
    }
}
