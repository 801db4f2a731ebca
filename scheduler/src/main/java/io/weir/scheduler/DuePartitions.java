package io.weir.scheduler;

import io.weir.backfill.MissingPartitions;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PartitionRemovals;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The partitions of a scheduled layer a tick must build: of every partition from the layer's start
 * that has ended (and not after its end date), the ones {@link MissingPartitions} finds missing.
 * A schedule does not rebuild history because its SQL changed: that is a backfill's to ask for.
 */
final class DuePartitions {

    private final PipelineConf conf;
    private final LedgerState ledger;
    private final MissingPartitions missing;
    private final RebuiltInputs rebuiltInputs;

    private final Lake lake;

    DuePartitions(PipelineConf conf, Lake lake, LakeState lakeState, LedgerState ledger) {
        this.conf = conf;
        this.lake = lake;
        this.ledger = ledger;
        this.rebuiltInputs = new RebuiltInputs(conf, ledger);
        this.missing = new MissingPartitions(conf, lake, table -> lakeState.of(table).partitions(),
                new PartitionRemovals(lake));
    }

    List<MissingPartitions.Missing> of(LayerConf layer, Instant now) {
        PartitionSpec spec = layer.partition().orElseThrow();
        LocalDate start = layer.schedule().orElseThrow().startDate();
        LocalDateTime until = conf.eventDateTime(now); // partitions are wall-clock times of the pipeline's zone
        LocalDateTime end = layer.schedule().orElseThrow().until().orElse(null);
        if (end != null && end.isBefore(until)) {
            until = end;
        }
        List<Partition> ended = new ArrayList<>();
        for (LocalDateTime t = start.atStartOfDay(); ; t = spec.granularity().next(t)) {
            Partition p = spec.partitionOf(t);
            if (p.end().isAfter(until)) {
                break;
            }
            ended.add(p);
        }
        return missing.of(layer, ended, ledger.refresh().latestByPartition(layer.table()), null, now);
    }

    /**
     * Why a built partition of a scheduled layer is due again (an input of it changed since its
     * build), when its schedule will rebuild it: a partition before the schedule's start or after
     * its end is left as built. A downstream run that read it now would read what is about to change.
     */
    Optional<MissingPartitions.Missing> dueAgain(LayerConf layer, Partition partition, Instant now) {
        if (layer.schedule().isEmpty() || layer.partition().isEmpty()) {
            return Optional.empty();
        }
        LocalDateTime start = layer.schedule().get().startDate().atStartOfDay();
        Optional<LocalDateTime> end = layer.schedule().get().until();
        if (partition.start().isBefore(start) || end.map(e -> partition.end().isAfter(e)).orElse(false)) {
            return Optional.empty();
        }
        return missing.of(layer, List.of(partition), ledger.latestByPartition(layer.table()), null, now).stream()
                .findFirst();
    }

    /**
     * Of a layer without a schedule, the partitions batch built (or tried to) that need building
     * again: failed, interrupted, or an upstream partition they read changed since; and of the ones
     * its stream wrote, those whose input was rebuilt in batch after the stream began
     * ({@link RebuiltInputs}). No scheduler will rebuild them, so status names them.
     */
    List<MissingPartitions.Missing> stale(LayerConf layer, Instant now) {
        PartitionSpec spec = layer.partition().orElseThrow();
        java.util.Map<String, io.weir.backfill.LedgerEntry> built = ledger.refresh().latestByPartition(layer.table());
        List<Partition> partitions = built.keySet().stream().map(spec::parse).flatMap(java.util.Optional::stream)
                .sorted(java.util.Comparator.comparing(Partition::start)).toList();
        List<MissingPartitions.Missing> stale = new ArrayList<>(missing.of(layer, partitions, built, null, now));
        boolean inputChanged = stale.stream().anyMatch(m -> m.reason() == MissingPartitions.Reason.UPSTREAM_CHANGED);
        if (inputChanged && new io.weir.runner.session.LayerState(conf, layer).streamingSince().isPresent()) {
            // The layer's stream reads its inputs' changes and writes them into every partition it does
            // not keep out of, so an input that changed since a batch build is not stale there. What a
            // streaming read skips, an input's batch rebuild, is RebuiltInputs' to list.
            java.util.Set<String> keptOut = io.weir.runner.session.PlanCheck.check(conf, List.of(layer)).contains(layer.name())
                    ? new io.weir.runner.lake.Seals(lake).of(layer.table()) : java.util.Set.of();
            stale.removeIf(m -> m.reason() == MissingPartitions.Reason.UPSTREAM_CHANGED
                    && !keptOut.contains(m.partition().value()));
        }
        java.util.Set<String> listed = new java.util.HashSet<>(stale.stream().map(m -> m.partition().value()).toList());
        rebuiltInputs.of(layer, now).stream().filter(m -> listed.add(m.partition().value())).forEach(stale::add);
        stale.sort(java.util.Comparator.comparing(m -> m.partition().start()));
        return stale;
    }
}
