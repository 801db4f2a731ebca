package io.weir.scheduler;

import io.weir.backfill.LedgerEntry;
import io.weir.backfill.MissingPartitions;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.LayerState;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Of a layer that streams, the partitions whose input a batch run rebuilt after the stream began:
 * a streaming reader skips overwrites, so the stream's rows and state never took the rebuild in,
 * and only a rebuild of the layer does. A partition the layer itself built after the input's
 * rebuild has read it and is not listed; neither is one that a run builds now.
 */
final class RebuiltInputs {

    private final PipelineConf conf;
    private final LedgerState ledger;

    RebuiltInputs(PipelineConf conf, LedgerState ledger) {
        this.conf = conf;
        this.ledger = ledger;
    }

    List<MissingPartitions.Missing> of(LayerConf layer, Instant now) {
        Optional<Instant> streamingSince = new LayerState(conf, layer).streamingSince();
        if (streamingSince.isEmpty()) {
            return List.of();
        }
        PartitionSpec spec = layer.partition().orElseThrow();
        Map<String, LedgerEntry> built = ledger.latestByPartition(layer.table());
        Map<String, MissingPartitions.Missing> found = new LinkedHashMap<>();
        for (String table : layer.upstream()) {
            Optional<PartitionSpec> upstreamSpec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (upstreamSpec.isEmpty()) {
                continue;
            }
            for (LedgerEntry rebuild : ledger.latestByPartition(table).values()) {
                Optional<Partition> input = upstreamSpec.get().parse(rebuild.partition());
                if (rebuild.status() != RunStatus.DONE || rebuild.finishedAt() == null || input.isEmpty()
                        || !rebuild.finishedAt().toInstant(ZoneOffset.UTC).isAfter(streamingSince.get())) {
                    continue;
                }
                for (Partition reader : readers(layer, spec, input.get())) {
                    if (!readSince(built.get(reader.value()), rebuild.finishedAt(), now)) {
                        found.putIfAbsent(reader.value(), new MissingPartitions.Missing(reader,
                                MissingPartitions.Reason.INPUT_REBUILT, "its stream never read the rebuild of " + table
                                        + " partition " + input.get().value() + " (run " + rebuild.runId() + ")"));
                    }
                }
            }
        }
        return found.values().stream().sorted(Comparator.comparing(m -> m.partition().start())).toList();
    }

    /** Whether the layer's own newest build of the partition started after the input's rebuild, or builds it now. */
    private static boolean readSince(LedgerEntry own, LocalDateTime inputRebuilt, Instant now) {
        if (own == null || own.startedAt() == null || own.startedAt().isBefore(inputRebuilt)) {
            return false;
        }
        return own.status() == RunStatus.DONE || own.status() == RunStatus.RUNNING && !own.interrupted(now);
    }

    /** The layer's partitions that read {@code input}, by the rule readiness and cascades follow. */
    private static List<Partition> readers(LayerConf layer, PartitionSpec spec, Partition input) {
        List<Partition> readers = new java.util.ArrayList<>();
        LocalDateTime[] fed = PartitionMapping.fed(layer, input.start(), input.end());
        for (LocalDateTime t = spec.partitionOf(fed[0]).start(); t.isBefore(fed[1]); t = spec.granularity().next(t)) {
            readers.add(spec.partitionOf(t));
        }
        return readers;
    }
}
