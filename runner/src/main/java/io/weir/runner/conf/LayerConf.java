package io.weir.runner.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One warehouse layer: a template that fills one target table, and optionally a schedule.
 *
 * @param lookback how far before its own span a partition reads its upstream partitions (a DWS
 *                 payment day reads orders up to this much older); see {@link PartitionMapping}
 * @param freshness how far the layer's data may lag behind now before status flags it
 */
public record LayerConf(
        String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
        Optional<LayerSchedule> schedule, SealedPartitions sealedPartitions, java.time.Duration lookback,
        boolean verify, Optional<java.time.Duration> freshness) {

    public LayerConf(String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
            Optional<LayerSchedule> schedule, SealedPartitions sealedPartitions, java.time.Duration lookback,
            boolean verify) {
        this(name, template, table, partition, upstream, schedule, sealedPartitions, lookback, verify, Optional.empty());
    }

    public LayerConf(String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
            Optional<LayerSchedule> schedule) {
        this(name, template, table, partition, upstream, schedule, SealedPartitions.AUTO, java.time.Duration.ZERO);
    }

    public LayerConf(String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
            Optional<LayerSchedule> schedule, SealedPartitions sealedPartitions, java.time.Duration lookback) {
        this(name, template, table, partition, upstream, schedule, sealedPartitions, lookback, false);
    }

    public boolean partitioned() {
        return partition.isPresent();
    }

    public boolean scheduled() {
        return schedule.isPresent();
    }
}
