package io.weir.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The partitions of a scheduled layer a tick must build: every partition from the layer's start
 * that has ended, unless the ledger shows it done and no upstream partition of the same span has
 * changed since that build read it. Failed, late and interrupted partitions are due again; a
 * partition another process is building right now is not.
 */
final class DuePartitions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PipelineConf conf;
    private final Lake lake;
    private final LakeState lakeState;
    private final LedgerState ledger;

    DuePartitions(PipelineConf conf, Lake lake, LakeState lakeState, LedgerState ledger) {
        this.conf = conf;
        this.lake = lake;
        this.lakeState = lakeState;
        this.ledger = ledger;
    }

    List<Due> of(LayerConf layer, Instant now) {
        PartitionSpec spec = layer.partition().orElseThrow();
        LocalDate start = layer.schedule().orElseThrow().startDate();
        LocalDateTime until = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDateTime end = layer.schedule().orElseThrow().until().orElse(null);
        if (end != null && end.isBefore(until)) {
            until = end;
        }
        Map<String, LedgerEntry> built = ledger.refresh().latestByPartition(layer.table());
        Map<String, Boolean> changedCache = new HashMap<>();
        List<Due> due = new ArrayList<>();
        for (LocalDateTime t = start.atStartOfDay(); ; t = spec.granularity().next(t)) {
            Partition p = spec.partitionOf(t);
            if (p.end().isAfter(until)) {
                break;
            }
            LedgerEntry last = built.get(p.value());
            if (last == null) {
                due.add(new Due(p, "not built"));
            } else if (last.status() == RunStatus.DONE) {
                lateChange(layer, p, last, changedCache)
                        .ifPresent(table -> due.add(new Due(p, "late data: " + table + " changed after the build")));
            } else if (last.interrupted(now)) {
                due.add(new Due(p, "interrupted: run " + last.runId() + " stopped while it built this partition"));
            } else if (last.status() != RunStatus.RUNNING) {
                due.add(new Due(p, last.status().name().toLowerCase() + " in run " + last.runId()));
            }
        }
        return due;
    }

    /**
     * The first upstream table that took new data after the build started in a partition this one
     * reads ({@link PartitionMapping}: overlapping spans, widened by the layer's lookback).
     */
    private Optional<String> lateChange(LayerConf layer, Partition p, LedgerEntry build, Map<String, Boolean> cache) {
        // A writer creates a file up to a checkpoint interval before it commits it, so a file a little
        // older than the build's start may still be newer than the snapshot the build read.
        long builtAt = Readiness.epochMillis(build.startedAt())
                - conf.flink().checkpointInterval().multipliedBy(2).plusMinutes(1).toMillis();
        for (String table : layer.upstream()) {
            Optional<PartitionSpec> upstreamSpec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (upstreamSpec.isEmpty()) {
                continue;
            }
            Map<String, Long> lastWritten = lakeState.of(table).partitionsLastWritten();
            for (Partition read : PartitionMapping.read(layer, p, upstreamSpec.get())) {
                Long written = lastWritten.get(read.value());
                // Cheap first: no file of that partition is newer than the build (less that margin).
                if (written == null || written <= builtAt) {
                    continue;
                }
                // Then exact: a snapshot after the one the build read wrote data (not a compaction) there.
                Optional<Long> readSnapshot = snapshotRead(build, table);
                if (readSnapshot.isEmpty()) {
                    return Optional.of(table + " partition " + read.value());
                }
                String key = table + "@" + readSnapshot.get() + "/" + read.value();
                if (cache.computeIfAbsent(key, k -> writtenSince(table, readSnapshot.get(), read.value()))) {
                    return Optional.of(table + " partition " + read.value());
                }
            }
        }
        return Optional.empty();
    }

    private boolean writtenSince(String table, long snapshot, String partition) {
        Long earliest = lake.table(table).snapshotManager().earliestSnapshotId();
        if (earliest == null || earliest > snapshot + 1) {
            return true; // that history has expired: assume it changed
        }
        return lake.partitionsWrittenSince(table, snapshot).contains(partition);
    }

    private static Optional<Long> snapshotRead(LedgerEntry build, String table) {
        try {
            JsonNode snapshot = JSON.readTree(build.upstream() == null ? "{}" : build.upstream()).path(table).get("snapshot");
            return snapshot == null ? Optional.empty() : Optional.of(snapshot.asLong());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** A partition to build, and why. */
    record Due(Partition partition, String why) {}
}
