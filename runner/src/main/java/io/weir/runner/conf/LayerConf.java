package io.weir.runner.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One warehouse layer: a template that fills one target table, and optionally a schedule. */
public record LayerConf(
        String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
        Optional<LayerSchedule> schedule, SealedPartitions sealedPartitions) {

    public LayerConf(String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream,
            Optional<LayerSchedule> schedule) {
        this(name, template, table, partition, upstream, schedule, SealedPartitions.AUTO);
    }

    public boolean partitioned() {
        return partition.isPresent();
    }

    public boolean scheduled() {
        return schedule.isPresent();
    }
}
