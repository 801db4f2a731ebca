package io.weir.backfill;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PartitionFiles;
import io.weir.runner.lake.PartitionRemovals;
import io.weir.runner.lake.SameRows;
import io.weir.runner.lake.SnapshotMark;
import org.apache.paimon.CoreOptions;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which partitions of a layer must be built, and why: the one answer for the scheduler's due
 * partitions and a backfill's partitions to skip. A partition is missing when the ledger has no
 * build of it, its last build failed, came too late or was interrupted, or an upstream partition
 * it reads ({@link PartitionMapping}) took new data after its build read that table, or lost all
 * its data since (dropped, truncated, overwritten with nothing). A partition
 * some live process is building now is not missing.
 *
 * <p>Only partitioned upstream tables make a partition stale: a dimension (unpartitioned) is looked
 * up as of each build, so its change does not reach back into partitions already built.
 */
public final class MissingPartitions {

    private final PipelineConf conf;
    private final Lake lake;
    private final Function<String, Map<String, PartitionFiles>> partitionFiles;
    private final PartitionRemovals removals;
    private final SameRows sameRows = new SameRows();

    /**
     * @param partitionFiles per upstream table, each partition's files now: compared with the
     *     digests a build recorded, a cheap first test before the exact one over the table's snapshots
     * @param removals where a partition that has no file left was dropped or emptied
     */
    public MissingPartitions(PipelineConf conf, Lake lake, Function<String, Map<String, PartitionFiles>> partitionFiles,
            PartitionRemovals removals) {
        this.conf = conf;
        this.lake = lake;
        this.partitionFiles = partitionFiles;
        this.removals = removals;
    }

    /** Reads each upstream table's partitions from the lake, once per instance. */
    public MissingPartitions(PipelineConf conf, Lake lake) {
        this(conf, lake, memoized(lake), new PartitionRemovals(lake));
    }

    private static Function<String, Map<String, PartitionFiles>> memoized(Lake lake) {
        Map<String, Map<String, PartitionFiles>> read = new java.util.concurrent.ConcurrentHashMap<>();
        return table -> read.computeIfAbsent(table, t -> lake.tableExists(t) ? lake.partitionFiles(t) : Map.of());
    }

    /** Why a partition is missing. */
    public enum Reason {
        NOT_BUILT,
        FAILED,
        LATE,
        INTERRUPTED,
        UPSTREAM_CHANGED,
        /** An input partition was rebuilt in batch after the layer's stream began, which skips overwrites. */
        INPUT_REBUILT,
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
        Memo changedCache = new Memo();
        List<Missing> missing = new ArrayList<>();
        for (Partition p : partitions) {
            why(layer, p, built.get(p.value()), sqlHash, now, changedCache).ifPresent(missing::add);
        }
        return missing;
    }

    private Optional<Missing> why(LayerConf layer, Partition p, LedgerEntry last, String sqlHash, Instant now,
            Memo cache) {
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

    /**
     * The first upstream partition that took new data after the build read its table, or lost its
     * data since: dropped, truncated, or overwritten with nothing.
     */
    private Optional<String> upstreamChange(LayerConf layer, Partition p, LedgerEntry build,
            Memo cache) {
        for (String table : layer.upstream()) {
            Optional<PartitionSpec> upstreamSpec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (upstreamSpec.isEmpty()) {
                continue;
            }
            Map<String, PartitionFiles> now = partitionFiles.apply(table);
            Map<String, String> read = UpstreamRead.digests(build, table).orElse(Map.of());
            for (Partition upstream : PartitionMapping.read(layer, p, upstreamSpec.get())) {
                PartitionFiles files = now.get(upstream.value());
                String digestRead = read.get(upstream.value());
                // Cheap first; then exact, since other files may hold the same rows (a compaction).
                boolean changed = digestRead != null ? changedSinceRead(table, upstream, build, digestRead, files, cache)
                        : (files == null || files.lastWrittenMillis() > oldestUnseenWrite(build))
                                && (files == null ? removedSince(table, upstream, build, false, cache)
                                        : writtenSince(table, upstream, build, cache));
                if (changed) {
                    return Optional.of(table + " partition " + upstream.value());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a partition whose digest the build recorded holds other rows now. Files where the
     * build saw none can only come from a write; other files in place of some are checked against
     * the table's history, and a pair found to differ by compactions alone is remembered.
     */
    private boolean changedSinceRead(String table, Partition upstream, LedgerEntry build, String digestRead,
            PartitionFiles files, Memo cache) {
        String digestNow = files == null ? PartitionFiles.NONE : files.digest();
        if (digestRead.equals(digestNow) || sameRows.proven(table, upstream.value(), digestRead, digestNow)) {
            return false;
        }
        if (files == null) {
            return removedSince(table, upstream, build, true, cache);
        }
        if (digestRead.equals(PartitionFiles.NONE) || writtenSince(table, upstream, build, cache)) {
            return true;
        }
        // A proof lasts, so it needs a history read after the files were listed; the memo's may be older.
        cache.writtenSince.remove(Memo.key(table, UpstreamRead.snapshot(build, table).orElseThrow()));
        if (writtenSince(table, upstream, build, cache)) {
            return true;
        }
        sameRows.prove(table, upstream.value(), digestRead, digestNow);
        return false;
    }

    /**
     * For an entry recorded before builds kept their upstream digests: how old a file time may look
     * yet belong to a write the build did not read. A writer creates a file up to a checkpoint
     * interval before it commits it; and a file's time is its writer's wall clock read in this
     * JVM's zone, so a writer further west makes it look older, by up to this zone's offset plus
     * twelve hours (and an hour of summer time). Without a start time only the exact test can tell.
     */
    private long oldestUnseenWrite(LedgerEntry build) {
        if (build.startedAt() == null) {
            return Long.MIN_VALUE;
        }
        Instant started = build.startedAt().toInstant(ZoneOffset.UTC);
        Duration zones = Duration.ofSeconds(Math.max(0, Duration.ofHours(13).toSeconds()
                + java.time.ZoneId.systemDefault().getRules().getOffset(started).getTotalSeconds()));
        return started.minus(conf.flink().checkpointInterval().multipliedBy(2).plusMinutes(1)).minus(zones)
                .toEpochMilli();
    }

    /** Exact: a snapshot after the one the build read wrote data (not a compaction) there. */
    private boolean writtenSince(String table, Partition read, LedgerEntry build, Memo cache) {
        Optional<SnapshotMark> readSnapshot = UpstreamRead.snapshot(build, table);
        if (readSnapshot.isEmpty()) {
            return true;
        }
        // Where that history has expired or been rewritten, assume the partition changed.
        return cache.writtenSince.computeIfAbsent(Memo.key(table, readSnapshot.get()),
                k -> lake.partitionsWrittenSinceIfKept(table, readSnapshot.get()))
                .map(written -> written.contains(read.value())).orElse(true);
    }

    /**
     * An upstream partition with no file left was emptied after the build read it, unless the
     * table's own partition expiration removed it: what expired upstream stays built downstream.
     *
     * @param readFiles whether the build's record says the partition held files when it read it
     */
    private boolean removedSince(String table, Partition read, LedgerEntry build, boolean readFiles, Memo cache) {
        PartitionRemovals.Removal removal = cache.removals.computeIfAbsent(table, removals::of).get(read.value());
        if (removal == null) {
            // Emptied by a commit whose snapshot has expired since: a drop, unless the table's own
            // expiration would have removed the partition by now.
            return readFiles && !expirableByTable(table, read, System.currentTimeMillis(), cache);
        }
        Optional<SnapshotMark> readSnapshot = UpstreamRead.snapshot(build, table);
        boolean afterBuild;
        if (readSnapshot.isPresent() && lake.holdsHistorySince(table, readSnapshot.get())) {
            afterBuild = removal.snapshotId() > readSnapshot.get().id();
        } else {
            // The ids of a rewritten history are not the ones the build read; commit times still order.
            long readAt = readSnapshot.filter(SnapshotMark::timeKnown).map(SnapshotMark::committedMillis)
                    .orElse(build.startedAt() == null ? Long.MAX_VALUE
                            : build.startedAt().toInstant(ZoneOffset.UTC).toEpochMilli());
            afterBuild = removal.timeMillis() > readAt;
        }
        return afterBuild && !expirableByTable(table, read, removal.timeMillis(), cache);
    }

    /**
     * Whether the table's own partition expiration could have removed the partition by {@code
     * atMillis}. A table that no longer exists has nothing to rebuild from: its partitions count as
     * gone by expiry, as before it was dropped.
     */
    private boolean expirableByTable(String table, Partition read, long atMillis, Memo cache) {
        Optional<CoreOptions> tableOptions = cache.options.computeIfAbsent(table, t -> lake.tableExists(t)
                ? Optional.of(CoreOptions.fromMap(lake.table(t).options())) : Optional.empty());
        if (tableOptions.isEmpty()) {
            return true;
        }
        CoreOptions options = tableOptions.get();
        Duration expiration = options.partitionExpireTime();
        if (expiration == null) {
            return false;
        }
        if (options.partitionExpireStrategy() != CoreOptions.PartitionExpireStrategy.VALUES_TIME) {
            return true; // expiry by last update: no partition value tells it from a drop
        }
        // Paimon reads the partition's time in the JVM's zone; a day's slack covers any zone, and
        // leaving a partition built is the safe side of the doubt.
        return read.start().plus(expiration).minusDays(1)
                .isBefore(LocalDateTime.ofInstant(Instant.ofEpochMilli(atMillis), ZoneOffset.UTC));
    }

    /** What one call reads of the lake, read once. */
    private static final class Memo {
        final Map<String, Optional<Set<String>>> writtenSince = new HashMap<>();
        final Map<String, Map<String, PartitionRemovals.Removal>> removals = new HashMap<>();
        final Map<String, Optional<CoreOptions>> options = new HashMap<>();

        static String key(String table, SnapshotMark read) {
            return table + "@" + read;
        }
    }
}
