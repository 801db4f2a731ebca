package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;

import java.util.List;

/** Rebuilds partitions of a layer in batch while its stream is down: what an upgrade needs of a backfill. */
public interface PartitionRebuild {

    /**
     * @param partitions the partitions to overwrite; empty for an unpartitioned layer (the whole table)
     * @return the run id under which the ledger records the rebuild
     */
    String rebuild(LayerConf layer, List<Partition> partitions);
}
