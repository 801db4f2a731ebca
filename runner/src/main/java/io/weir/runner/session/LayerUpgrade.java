package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.ClusterJobDetails;
import io.weir.runner.cluster.JobIdentity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.Seals;
import io.weir.runner.lake.Upgrades;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.paimon.table.FileStoreTable;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replaces a layer's running SQL with its template's new SQL without losing or repeating a change:
 * from the old job's savepoint when Flink can restore it into the new job, and otherwise without
 * state after batch has rebuilt the partitions the new job cannot produce (see {@link FreshStart}).
 * Every upgrade is recorded in {@link Upgrades}.
 */
final class LayerUpgrade {

    /** Submits the layer's new SQL: from saved state or without, with extra job options. */
    interface Submit {
        RunningLayer submit(Optional<String> restoreFrom, Map<String, String> options);
    }

    private static final Duration POLL = Duration.ofMillis(500);

    private final PipelineConf conf;
    private final FlinkSession session;
    private final Renderer renderer;

    LayerUpgrade(PipelineConf conf, FlinkSession session, Renderer renderer) {
        this.conf = conf;
        this.session = session;
        this.renderer = renderer;
    }

    UpgradePlan plan(LayerConf layer, JobIdentity identity, Optional<ClusterJob> running, LayerState state) {
        return new UpgradePlan(layer, identity, running,
                running.isPresent() ? Optional.empty() : state.latestRestorePoint(), freshStart(layer));
    }

    RunningLayer run(UpgradePlan plan, LayerState state, Submit submit, PartitionRebuild rebuild, Consumer<String> say) {
        LayerConf layer = plan.layer();
        Optional<String> from = plan.savedState();
        if (plan.running().isPresent()) {
            ClusterJob job = plan.running().get();
            say.accept(layer.name() + ": stopping job " + job.id() + " (sql:" + job.identity().orElseThrow().sqlHash()
                    + ") with a savepoint");
            from = Optional.of(stopWithSavepoint(job, state));
        }
        Optional<String> fromSql = plan.running().map(j -> j.identity().orElseThrow().sqlHash());
        if (from.isPresent()) {
            RunningLayer restored;
            Start start;
            try {
                restored = submit.submit(from, Map.of());
                start = awaitFirstCheckpoint(restored);
            } catch (RuntimeException e) {
                // A session cluster refuses state that maps to no operator at submission already.
                String cause = conf.secrets().mask(Failures.rootCause(e));
                if (!Failures.isStateIncompatible(cause)) {
                    throw e;
                }
                restored = null;
                int hint = cause.indexOf(" (restoring ");
                start = new Start(false, true, hint > 0 ? cause.substring(0, hint) : cause);
            }
            if (start.running()) {
                record(plan, fromSql, Upgrades.Outcome.RESTORED, from, Optional.empty(), 0);
                say.accept(layer.name() + ": upgraded to sql:" + plan.identity().sqlHash() + ", its state restored from "
                        + from.get());
                return restored;
            }
            if (!start.stateIncompatible()) {
                cancel(restored);
                throw WeirException.jobFailed("layer '" + layer.name() + "': the new SQL failed after restoring "
                        + from.get() + ": " + start.cause() + ". That state is kept: put the old template back and run"
                        + " weir stream to resume it", null);
            }
            if (restored != null) {
                cancel(restored);
            }
            say.accept(layer.name() + ": the state at " + from.get() + " does not fit the new SQL (" + start.cause()
                    + "); starting without it");
        }
        FreshStart fresh = plan.fresh();
        if (fresh.refusal().isPresent()) {
            throw WeirException.badInput("layer '" + layer.name() + "' cannot start its new SQL without state exactly: "
                    + fresh.refusal().get() + from.map(p -> ". Its old state is kept at " + p).orElse(""));
        }
        // A full read rewrites what the rebuild wrote anyway; only a start after the rebuild needs its snapshots.
        Map<String, Long> readAt = fresh.position() == FreshStart.Position.AFTER_REBUILD
                ? currentSnapshots(fresh.pinned()) : Map.of();
        say.accept(layer.name() + ": rebuilding " + fresh.describeRebuild() + " in batch with the new SQL");
        String runId = rebuild.rebuild(layer, fresh.rebuild(), shortNames(readAt));
        RunningLayer started = submit.submit(Optional.empty(), startOptions(fresh, readAt));
        Start start = awaitFirstCheckpoint(started);
        if (!start.running()) {
            cancel(started);
            throw WeirException.jobFailed("layer '" + layer.name() + "': the new SQL did not start: " + start.cause(), null);
        }
        record(plan, fromSql, Upgrades.Outcome.FRESH, from, Optional.of(runId), fresh.partitionCount());
        say.accept(layer.name() + ": upgraded to sql:" + plan.identity().sqlHash() + " without state, "
                + (fresh.position() == FreshStart.Position.AFTER_REBUILD ? "reading on after the rebuild's snapshots"
                        : "reading its sources from their start")
                + " (rebuild run " + runId + ")");
        return started;
    }

    private String stopWithSavepoint(ClusterJob job, LayerState state) {
        try {
            return session.attach(job.id()).stopWithSavepoint(false, state.savepointsDir(), SavepointFormatType.CANONICAL)
                    .get(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WeirException.jobFailed("interrupted while stopping job " + job.id(), e);
        } catch (Exception e) {
            throw WeirException.jobFailed("job " + job.id() + " could not stop with a savepoint, so its SQL was not"
                    + " replaced: " + conf.secrets().mask(Failures.rootCause(e)), e);
        }
    }

    /** The new job's options that start its scans after the snapshots the rebuild read. */
    static Map<String, String> startOptions(FreshStart fresh, Map<String, Long> readAt) {
        Map<String, String> options = new LinkedHashMap<>();
        if (fresh.position() == FreshStart.Position.AFTER_REBUILD) {
            readAt.forEach((table, snapshot) -> {
                options.put("paimon." + table + ".scan.mode", "from-snapshot");
                options.put("paimon." + table + ".scan.snapshot-id", String.valueOf(snapshot + 1));
            });
        }
        return options;
    }

    private Map<String, Long> currentSnapshots(List<String> qualifiedTables) {
        Map<String, Long> snapshots = new LinkedHashMap<>();
        try (Lake lake = new Lake(conf.warehouse())) {
            for (String table : qualifiedTables) {
                String name = table.substring(table.lastIndexOf('.') + 1);
                snapshots.put(table, lake.latestSnapshotId(name).orElse(0L));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the upstream snapshots: " + e.getMessage(), e);
        }
        return snapshots;
    }

    private static Map<String, Long> shortNames(Map<String, Long> qualified) {
        Map<String, Long> names = new LinkedHashMap<>();
        qualified.forEach((table, id) -> {
            if (id > 0) {
                names.put(table.substring(table.lastIndexOf('.') + 1), id);
            }
        });
        return names;
    }

    private void record(UpgradePlan plan, Optional<String> fromSql, Upgrades.Outcome outcome, Optional<String> from,
            Optional<String> runId, int partitions) {
        try (Lake lake = new Lake(conf.warehouse())) {
            new Upgrades(lake).record(new Upgrades.Upgrade(conf.name(), plan.layer().name(), Instant.now(), fromSql,
                    plan.identity().sqlHash(), outcome, from, runId, partitions));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** How a job started: running with a completed checkpoint, or failing and why. */
    private record Start(boolean running, boolean stateIncompatible, String cause) {}

    /**
     * Waits for the job's first completed checkpoint: only then has every operator restored its
     * state, and a later restart resumes from the job's own checkpoint, not from options it started with.
     */
    private Start awaitFirstCheckpoint(RunningLayer layer) {
        org.apache.flink.api.common.JobID id = layer.job().getJobID();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).plus(conf.flink().checkpointInterval().multipliedBy(10))
                .toNanos();
        String cause = "no checkpoint completed in time";
        io.weir.runner.cluster.ClusterJobs jobs = session.jobs();
        while (System.nanoTime() < deadline) {
            Optional<ClusterJob> job = jobs.list().stream().filter(j -> j.id().equals(id)).findFirst();
            if (job.isPresent()) {
                ClusterJobDetails details = jobs.details(job.get());
                JobStatus state = job.get().state();
                if (state == JobStatus.RUNNING && details.lastCheckpoint().isPresent()) {
                    return new Start(true, false, "");
                }
                if (state != JobStatus.RUNNING && state != JobStatus.CREATED && state != JobStatus.INITIALIZING
                        || details.restarts() > 0) {
                    Optional<String> rootCause = jobs.rootCause(id).map(conf.secrets()::mask);
                    if (rootCause.isPresent()) {
                        if (Failures.isStateIncompatible(rootCause.get())) {
                            return new Start(false, true, rootCause.get());
                        }
                        cause = rootCause.get();
                        if (state.isGloballyTerminalState()) {
                            return new Start(false, false, cause);
                        }
                    }
                }
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Start(false, false, "interrupted");
            }
        }
        return new Start(false, false, cause);
    }

    private static void cancel(RunningLayer layer) {
        try {
            layer.job().cancel().get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            // Already ended: a job that failed its restore is over by itself.
        }
    }

    /** How the layer's new SQL would start without state, and what batch rebuilds first. */
    FreshStart freshStart(LayerConf layer) {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, new Configuration());
        RenderedLayer plain = renderer.stream(layer);
        plain.setupStatements().forEach(tEnv::executeSql);
        StatefulPlan.Shape shape = StatefulPlan.shape(tEnv, plain.inserts());
        String lake = Renderer.CATALOG + "." + conf.warehouse().database() + ".";
        List<String> pinned = shape.scanned().stream().filter(t -> t.startsWith(lake)).toList();
        List<String> external = shape.scanned().stream().filter(t -> !t.startsWith(lake)).toList();
        boolean scannedAndLookedUp = pinned.stream().anyMatch(shape.lookedUp()::contains);
        try (Lake lakeTables = new Lake(conf.warehouse())) {
            FileStoreTable target = lakeTables.table(layer.table());
            boolean accumulates = target.primaryKeys().isEmpty()
                    || "aggregation".equals(target.options().get("merge-engine"));
            FreshStart.Position position;
            Optional<String> refusal = Optional.empty();
            if (external.isEmpty() && !scannedAndLookedUp && (!shape.stateful() || accumulates)) {
                position = FreshStart.Position.AFTER_REBUILD;
            } else {
                position = FreshStart.Position.FULL_READ;
                if (accumulates) {
                    refusal = Optional.of("its table " + layer.table() + (target.primaryKeys().isEmpty()
                            ? " has no primary key" : " sums what it receives ('merge-engine' = 'aggregation')")
                            + ", so re-reading its sources would count them twice, and "
                            + (external.isEmpty() ? "its job keeps state that a start after the rebuild would lack"
                                    : "its source " + String.join(", ", external) + " has no snapshot to start after")
                            + ". Stop the layer (weir stop), start it with --fresh after emptying the table, and rebuild"
                            + " it with weir backfill");
                }
            }
            boolean fenced = StreamFence.applies(layer, shape.stateful());
            if (!layer.partitioned()) {
                return new FreshStart(position, pinned, List.of(), true, 0, refusal);
            }
            Set<String> batchOwned = fenced ? new Seals(lakeTables).of(layer.table()) : Set.of();
            List<Partition> span = span(layer, lakeTables);
            List<Partition> rebuild = span.stream().filter(p -> !batchOwned.contains(p.value())).toList();
            if (rebuild.size() > PartitionRange.MAX_PARTITIONS && refusal.isEmpty()) {
                refusal = Optional.of(rebuild.size() + " partitions would need rebuilding, more than the "
                        + PartitionRange.MAX_PARTITIONS + " one command handles");
            }
            return new FreshStart(position, pinned, rebuild, false, span.size() - rebuild.size(), refusal);
        } catch (WeirException | IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot plan the upgrade of " + layer.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The layer's partitions that hold data or could from its upstream's data: from the first to
     * the last partition of its own table and of what its upstream partitions feed.
     */
    private List<Partition> span(LayerConf layer, Lake lake) {
        LocalDateTime[] bounds = bounds(lake, layer.table(), layer.partition().orElseThrow());
        for (String upstream : layer.upstream()) {
            Optional<LayerConf> writer = conf.layerWritingTable(upstream);
            if (writer.isEmpty() || !writer.get().partitioned() || !lake.tableExists(upstream)) {
                continue;
            }
            LocalDateTime[] read = bounds(lake, upstream, writer.get().partition().get());
            if (read != null) {
                LocalDateTime[] fed = PartitionMapping.fed(layer, read[0], read[1]);
                bounds = bounds == null ? fed : new LocalDateTime[] {min(bounds[0], fed[0]), max(bounds[1], fed[1])};
            }
        }
        return bounds == null ? List.of() : layer.partition().get().partitions(new PartitionRange(bounds[0], bounds[1]));
    }

    /** The span [start, end) of a table's partitions, or null when it has none. */
    private static LocalDateTime[] bounds(Lake lake, String table, PartitionSpec spec) {
        LocalDateTime[] bounds = null;
        if (!lake.tableExists(table)) {
            return bounds;
        }
        for (String value : lake.partitionRecordCounts(table).keySet()) {
            Partition p;
            try {
                p = spec.partitionOf(LocalDateTime.parse(value, spec.formatter()));
            } catch (DateTimeParseException e) {
                continue;
            }
            bounds = bounds == null ? new LocalDateTime[] {p.start(), p.end()}
                    : new LocalDateTime[] {min(bounds[0], p.start()), max(bounds[1], p.end())};
        }
        return bounds;
    }

    private static LocalDateTime min(LocalDateTime a, LocalDateTime b) {
        return a.isBefore(b) ? a : b;
    }

    private static LocalDateTime max(LocalDateTime a, LocalDateTime b) {
        return a.isAfter(b) ? a : b;
    }
}
