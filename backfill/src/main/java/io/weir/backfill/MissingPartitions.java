package io.weir.backfill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which partitions of a layer must be built, and why: the one answer for the scheduler's due
 * partitions and a backfill's partitions to skip. A partition is missing when the ledger has no
 * build of it, its last build failed, came too late or was interrupted, or an upstream partition
 * it reads ({@link PartitionMapping}) took new data after its build read that table. A partition
 * some live process is building now is not missing.
 *
 * <p>Only partitioned upstream tables make a partition stale: a dimension (unpartitioned) is looked
 * up as of each build, so its change does not reach back into partitions already built.
 */
public final class MissingPartitions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PipelineConf conf;
    private final Lake lake;
    private final Function<String, Map<String, Long>> partitionsLastWritten;

    /**
     * @param partitionsLastWritten per upstream table, when each partition's newest file was written:
     *     a cheap first test before the exact one over the table's snapshots
     */
    public MissingPartitions(PipelineConf conf, Lake lake, Function<String, Map<String, Long>> partitionsLastWritten) {
        this.conf = conf;
        this.lake = lake;
        this.partitionsLastWritten = partitionsLastWritten;
    }

    /** Reads each upstream table's partitions from the lake, once per instance. */
    public MissingPartitions(PipelineConf conf, Lake lake) {
        this(conf, lake, memoized(lake));
    }

    private static Function<String, Map<String, Long>> memoized(Lake lake) {
        Map<String, Map<String, Long>> read = new java.util.concurrent.ConcurrentHashMap<>();
        return table -> read.computeIfAbsent(table, t -> lake.tableExists(t) ? lake.partitionsLastWritten(t) : Map.of());
    }

    /** Why a partition is missing. */
    public enum Reason {
        NOT_BUILT,
        FAILED,
        LATE,
        INTERRUPTED,
        UPSTREAM_CHANGED,
        /** Built by other SQL than the layer's template renders now; only asked for by backfills. */
        SQL_CHANGED
    }

    /** A partition to build, why, and the same in words as {@code status} and the scheduler's log show it. */
    public record Missing(Partition partition, Reason reason, String why) {}

    /**
     * The missing ones of {@code partitions}, in their order.
     *
     * @param built the ledger's latest entry per partition value of the layer's table
     * @param sqlHash the layer's SQL as rendered now, or null when other SQL does not make a build stale
     */
    public List<Missing> of(LayerConf layer, List<Partition> partitions, Map<String, LedgerEntry> built, String sqlHash,
            Instant now) {
        Map<String, Boolean> changedCache = new HashMap<>();
        List<Missing> missing = new ArrayList<>();
        for (Partition p : partitions) {
            why(layer, p, built.get(p.value()), sqlHash, now, changedCache).ifPresent(missing::add);
        }
        return missing;
    }

    private Optional<Missing> why(LayerConf layer, Partition p, LedgerEntry last, String sqlHash, Instant now,
            Map<String, Boolean> cache) {
        if (last == null) {
            return Optional.of(new Missing(p, Reason.NOT_BUILT, "not built"));
        }
        switch (last.status()) {
            case RUNNING:
                return last.interrupted(now)
                        ? Optional.of(new Missing(p, Reason.INTERRUPTED,
                                "interrupted: run " + last.runId() + " stopped while it built this partition"))
                        : Optional.empty();
            case FAILED:
                return Optional.of(new Missing(p, Reason.FAILED, "failed in run " + last.runId()));
            case LATE:
                return Optional.of(new Missing(p, Reason.LATE, "late in run " + last.runId()));
            default:
                break;
        }
        if (sqlHash != null && !sqlHash.equals(last.sqlHash())) {
            return Optional.of(new Missing(p, Reason.SQL_CHANGED, "built by other SQL in run " + last.runId()));
        }
        return upstreamChange(layer, p, last, cache)
                .map(table -> new Missing(p, Reason.UPSTREAM_CHANGED, "late data: " + table + " changed after the build"));
    }

    /** The first upstream partition that took new data after the build read its table. */
    private Optional<String> upstreamChange(LayerConf layer, Partition p, LedgerEntry build, Map<String, Boolean> cache) {
        // A writer creates a file up to a checkpoint interval before it commits it, so a file a little
        // older than the build's start may still be newer than the snapshot the build read.
        // Without a start time only the exact test can tell.
        long builtAt = build.startedAt() == null ? Long.MIN_VALUE
                : build.startedAt().toInstant(ZoneOffset.UTC).toEpochMilli()
                        - conf.flink().checkpointInterval().multipliedBy(2).plusMinutes(1).toMillis();
        for (String table : layer.upstream()) {
            Optional<PartitionSpec> upstreamSpec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (upstreamSpec.isEmpty()) {
                continue;
            }
            Map<String, Long> lastWritten = partitionsLastWritten.apply(table);
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
}
