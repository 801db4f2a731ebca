package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.ClusterJobDetails;
import io.weir.runner.cluster.ClusterJobs;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replaces a layer's running SQL with its template's new SQL without losing or repeating a change:
 * from the old job's savepoint when Flink can restore it into the new job, and otherwise without
 * state as {@link FreshStart} says. Every upgrade is recorded in {@link Upgrades}.
 */
final class LayerUpgrade {

    /** Submits the layer's new SQL, from saved state or without. */
    interface Submit {
        RunningLayer submit(Optional<String> restoreFrom);
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LayerUpgrade.class);
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
        String kept = from.map(p -> " The layer is stopped; its old state is kept at " + p + ": put the old template"
                + " back and run weir stream to resume it, or run weir stream --upgrade again.").orElse("");
        if (from.isPresent()) {
            Start start = restore(submit, from.get());
            if (start.job() != null && start.running()) {
                record(plan, fromSql, Upgrades.Outcome.RESTORED, from, Optional.empty(), 0, 0);
                say.accept(layer.name() + ": upgraded to sql:" + plan.identity().sqlHash() + ", its state restored from "
                        + from.get());
                return start.job();
            }
            if (!start.stateIncompatible()) {
                throw WeirException.jobFailed("layer '" + layer.name() + "': the new SQL failed after restoring "
                        + from.get() + ": " + start.cause() + "." + kept, null);
            }
            say.accept(layer.name() + ": the state at " + from.get() + " does not fit the new SQL (" + start.cause()
                    + "); starting without it");
        }
        // Planned again now that the old job is stopped: partitions it wrote since the plan count too.
        FreshStart fresh = freshStart(layer);
        if (fresh.refusal().isPresent()) {
            throw WeirException.badInput("layer '" + layer.name() + "' cannot start its new SQL without state exactly: "
                    + fresh.refusal().get() + "." + kept);
        }
        Optional<String> runId = Optional.empty();
        if (fresh.preparation() == FreshStart.Preparation.REBUILD) {
            say.accept(layer.name() + ": rebuilding " + fresh.describePartitions() + " in batch with the new SQL");
            runId = Optional.of(rebuild.rebuild(layer, fresh.partitions()));
        } else {
            say.accept(layer.name() + ": emptying " + fresh.describePartitions() + ", which the new job writes whole");
            empty(layer, fresh);
        }
        Start start = started(submit.submit(Optional.empty()));
        if (!start.running()) {
            throw WeirException.jobFailed("layer '" + layer.name() + "': the new SQL did not start: " + start.cause()
                    + "." + kept, null);
        }
        record(plan, fromSql, Upgrades.Outcome.FRESH, from, runId,
                runId.isPresent() ? fresh.partitionCount() : 0, runId.isPresent() ? 0 : fresh.partitionCount());
        say.accept(layer.name() + ": upgraded to sql:" + plan.identity().sqlHash() + " without state, reading its"
                + " sources from their start" + runId.map(id -> " (rebuild run " + id + ")").orElse(""));
        return start.job();
    }

    /** Submits the new SQL from saved state; a state Flink refuses at submission is a result, not an error. */
    private Start restore(Submit submit, String from) {
        try {
            return started(submit.submit(Optional.of(from)));
        } catch (RuntimeException e) {
            String cause = conf.secrets().mask(Failures.rootCause(e));
            if (!Failures.isStateIncompatible(cause)) {
                throw e;
            }
            return new Start(null, false, true, cause);
        }
    }

    /** Waits for the job's first checkpoint; a job that does not get there is cancelled, never left behind. */
    private Start started(RunningLayer job) {
        Start start;
        try {
            start = awaitFirstCheckpoint(job);
        } catch (RuntimeException e) {
            cancel(job);
            throw e;
        }
        if (!start.running()) {
            cancel(job);
        }
        return start;
    }

    private void empty(LayerConf layer, FreshStart fresh) {
        try (Lake lake = new Lake(conf)) {
            if (fresh.wholeTable()) {
                lake.truncate(layer.table());
            } else {
                lake.dropPartitions(layer.table(), fresh.partitions().stream().map(Partition::value).toList());
            }
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot empty " + layer.table() + ": " + e.getMessage(), e);
        }
    }

    private String stopWithSavepoint(ClusterJob job, LayerState state) {
        try {
            return session.attach(job.id()).stopWithSavepoint(false, state.savepointsDir(), SavepointFormatType.CANONICAL)
                    .get(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WeirException.jobFailed("interrupted while stopping job " + job.id(), e);
        } catch (Exception e) {
            throw WeirException.jobFailed("job " + job.id() + " did not stop with a savepoint within 5 minutes ("
                    + conf.secrets().mask(Failures.rootCause(e)) + "); weir jobs shows whether it still runs, and"
                    + " weir stream --upgrade tries again", e);
        }
    }

    private void record(UpgradePlan plan, Optional<String> fromSql, Upgrades.Outcome outcome, Optional<String> from,
            Optional<String> runId, int rebuilt, int emptied) {
        try (Lake lake = new Lake(conf)) {
            new Upgrades(lake).record(new Upgrades.Upgrade(conf.name(), plan.layer().name(), Instant.now(), fromSql,
                    plan.identity().sqlHash(), outcome, from, runId, rebuilt, emptied));
        } catch (Exception e) {
            LOG.warn("Layer {} was upgraded, but {}.upgrades could not record it: {}", plan.layer().name(),
                    conf.warehouse().ledgerDatabase(), e.getMessage());
        }
    }

    /** How a job started: running with a completed checkpoint, or failing and why. */
    private record Start(RunningLayer job, boolean running, boolean stateIncompatible, String cause) {}

    /**
     * Waits for the job's first completed checkpoint: only then has every operator restored its
     * state, and a later restart resumes from the job's own checkpoint.
     */
    private Start awaitFirstCheckpoint(RunningLayer layer) {
        org.apache.flink.api.common.JobID id = layer.job().getJobID();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).plus(conf.flink().checkpointInterval().multipliedBy(10))
                .toNanos();
        String cause = "no checkpoint completed in time";
        ClusterJobs jobs = session.jobs();
        while (System.nanoTime() < deadline) {
            Optional<ClusterJob> job = jobs.list().stream().filter(j -> j.id().equals(id)).findFirst();
            if (job.isPresent()) {
                ClusterJobDetails details = jobs.details(job.get());
                JobStatus state = job.get().state();
                if (state == JobStatus.RUNNING && details.lastCheckpoint().isPresent()) {
                    return new Start(layer, true, false, "");
                }
                if (state != JobStatus.RUNNING && state != JobStatus.CREATED && state != JobStatus.INITIALIZING
                        || details.restarts() > 0) {
                    // The whole trace: a state that does not fit may show only in a cause ("Error while getting state").
                    Optional<String> trace = jobs.failureTrace(id).map(conf.secrets()::mask);
                    if (trace.isPresent()) {
                        if (Failures.isStateIncompatible(trace.get())) {
                            return new Start(layer, false, true, Failures.innermostCause(trace.get()));
                        }
                        cause = trace.get().lines().findFirst().orElse("");
                        if (state.isGloballyTerminalState()) {
                            return new Start(layer, false, false, cause);
                        }
                    }
                }
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Start(layer, false, false, "interrupted");
            }
        }
        return new Start(layer, false, false, cause);
    }

    private static void cancel(RunningLayer layer) {
        try {
            layer.cancel();
        } catch (Exception e) {
            // Already ended: a job that failed its restore is over by itself.
        }
    }

    /** How the layer's new SQL would start without state, and what happens to its partitions first. */
    FreshStart freshStart(LayerConf layer) {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, new Configuration());
        RenderedLayer plain = renderer.stream(layer);
        plain.setupStatements().forEach(tEnv::executeSql);
        StatefulPlan.Shape shape = StatefulPlan.shape(tEnv, plain.inserts());
        String lakeTables = Renderer.CATALOG + "." + conf.warehouse().database() + ".";
        List<String> external = shape.scanned().stream().filter(t -> !t.startsWith(lakeTables)).toList();
        try (Lake lake = new Lake(conf)) {
            FileStoreTable target = lake.table(layer.table());
            boolean accumulates = target.primaryKeys().isEmpty()
                    || "aggregation".equals(target.options().get("merge-engine"));
            Optional<String> refusal = accumulates && !external.isEmpty()
                    ? Optional.of("its table " + layer.table() + (target.primaryKeys().isEmpty() ? " has no primary key"
                            : " sums what it receives ('merge-engine' = 'aggregation')") + ", so it must be emptied"
                            + " before a full read, and its source " + String.join(", ", external) + " may no longer"
                            + " hold everything it once delivered. Rebuild it with weir backfill once it runs")
                    : Optional.empty();
            FreshStart.Preparation preparation = accumulates ? FreshStart.Preparation.EMPTY
                    : FreshStart.Preparation.REBUILD;
            if (!layer.partitioned()) {
                return new FreshStart(preparation, List.of(), true, 0, refusal);
            }
            boolean fenced = StreamFence.applies(layer, shape.stateful());
            Set<String> batchOwned = fenced ? new Seals(lake).of(layer.table()) : Set.of();
            List<Partition> span = span(layer, lake);
            List<Partition> owned = span.stream().filter(p -> !batchOwned.contains(p.value())).toList();
            if (owned.size() > PartitionRange.MAX_PARTITIONS && refusal.isEmpty()) {
                refusal = Optional.of(owned.size() + " partitions would need rebuilding, more than the "
                        + PartitionRange.MAX_PARTITIONS + " one command handles");
            }
            return new FreshStart(preparation, owned, false, span.size() - owned.size(), refusal);
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
            Optional<Partition> parsed = spec.parse(value);
            if (parsed.isEmpty()) {
                continue;
            }
            Partition p = parsed.get();
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
