package io.weir.runner.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One warehouse layer: a template that fills one target table. */
public record LayerConf(
        String name, Path template, String table, Optional<PartitionSpec> partition, List<String> upstream) {

    public boolean partitioned() {
        return partition.isPresent();
    }
}
