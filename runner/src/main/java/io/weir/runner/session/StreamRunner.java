package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.JobIdentity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.Seals;
import io.weir.runner.serving.ServingSync;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts layers as continuous Flink jobs: creates every missing table, then submits each chosen
 * layer's INSERT INTO statements as one job, resuming from its newest savepoint or checkpoint.
 */
public final class StreamRunner {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRunner.class);

    private final PipelineConf conf;
    private final FlinkSession session;
    private final Renderer renderer;

    public StreamRunner(PipelineConf conf, FlinkSession session) {
        this.conf = conf;
        this.session = session;
        this.renderer = new Renderer(conf);
    }

    /**
     * {@code weir stream --upgrade}: a layer whose job runs other SQL, or whose saved state was
     * left by a stopped job, starts its new SQL as {@link LayerUpgrade} does.
     *
     * @param rebuild rebuilds in batch what a start without state cannot produce
     * @param say hears each step
     */
    public record Upgrading(PartitionRebuild rebuild, java.util.function.Consumer<String> say) {}

    /**
     * @param fresh ignore saved state and start from the source's beginning
     */
    public RunningStream start(List<LayerConf> layers, boolean fresh) {
        return start(layers, fresh, Optional.empty());
    }

    /** What {@code --upgrade} would do to each layer, for {@code --dry-run}: nothing is stopped or started. */
    public List<String> planUpgrades(List<LayerConf> layers) {
        renderer.checkAll();
        checkTargetColumns(layers);
        JobAdoption adoption = new JobAdoption(conf, session);
        LayerUpgrade upgrade = new LayerUpgrade(conf, session, renderer);
        List<String> lines = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            if (!layers.contains(layer)) {
                continue;
            }
            JobIdentity identity = identity(layer);
            LayerState state = new LayerState(conf, layer);
            Optional<UpgradePlan> plan = upgradeOf(layer, identity, state, adoption, upgrade);
            if (plan.isPresent()) {
                lines.addAll(plan.get().describe());
            } else {
                lines.add(layer.name() + ": " + (adoption.runsSameSql(identity) ? "runs sql:" + identity.sqlHash()
                        + " already: adopted as it is" : state.latestRestorePoint().isPresent()
                                ? "its state belongs to sql:" + identity.sqlHash() + " already: resumes as usual"
                                : "no saved state: starts as usual"));
            }
        }
        return lines;
    }

    /**
     * The upgrade a layer needs, if it needs one: a job of it runs other SQL, or none runs and its
     * saved state was written by other SQL (or by a Weir that did not note which).
     */
    private static Optional<UpgradePlan> upgradeOf(LayerConf layer, JobIdentity identity, LayerState state,
            JobAdoption adoption, LayerUpgrade upgrade) {
        Optional<ClusterJob> other = adoption.runningOtherSql(layer, identity);
        boolean stoppedWithOtherSql = other.isEmpty() && !adoption.runsSameSql(identity)
                && state.latestRestorePoint().isPresent()
                && !state.savedSql().filter(identity.sqlHash()::equals).isPresent();
        return other.isPresent() || stoppedWithOtherSql
                ? Optional.of(upgrade.plan(layer, identity, other, state)) : Optional.empty();
    }

    private void checkTargetColumns(List<LayerConf> layers) {
        try (io.weir.runner.lake.Lake lake = new io.weir.runner.lake.Lake(conf)) {
            TargetColumns.check(conf, lake, renderer, layers);
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the warehouse's tables: " + e.getMessage(), e);
        }
    }

    public RunningStream start(List<LayerConf> layers, boolean fresh, Optional<Upgrading> upgrading) {
        renderer.checkAll();
        // A job already running on the cluster is adopted whatever its source's state: a source that
        // is down now (its job retries) must not keep the client from watching the jobs it left.
        JobAdoption before = new JobAdoption(conf, session);
        List<LayerConf> submitting = layers.stream().filter(layer -> !before.runsSameSql(identity(layer))).toList();
        submitting.forEach(renderer::checkStreamSources);
        if (!submitting.isEmpty()) {
            checkTargetColumns(submitting);
            // On a scratch warehouse: a layer refused here leaves no table of any layer behind.
            PlanCheck.check(conf, submitting);
        }
        List<String> served = conf.servedTablesOf(layers);
        List<StreamLock> locks = lock(layers, served);
        List<RunningLayer> running = new ArrayList<>();
        // Jobs this start must leave running if a later layer fails: an upgraded layer's old job is gone.
        java.util.Set<RunningLayer> upgraded = new java.util.HashSet<>();
        try {
            // Listed again under the locks: what runs now, not before them.
            JobAdoption adoption = new JobAdoption(conf, session);
            new TableCreator(conf, session, renderer).createMissingTables();
            if (!served.isEmpty()) {
                // Before any layer's job: a serving store that refuses Weir (a wrong password, a table
                // that does not match) must not leave the layers' jobs started and checkpointing.
                ensureServingTables();
            }
            LayerUpgrade upgrade = new LayerUpgrade(conf, session, renderer);
            for (LayerConf layer : conf.layers()) {
                if (layers.contains(layer)) {
                    JobIdentity identity = identity(layer);
                    LayerState state = new LayerState(conf, layer);
                    Optional<UpgradePlan> plan = upgrading.isPresent()
                            ? upgradeOf(layer, identity, state, adoption, upgrade) : Optional.empty();
                    if (plan.isPresent()) {
                        RunningLayer replaced = upgrade.run(plan.get(), state, from -> submit(layer, identity, from),
                                upgrading.get().rebuild(), upgrading.get().say());
                        running.add(replaced);
                        upgraded.add(replaced);
                        continue;
                    }
                    Optional<RunningLayer> adopted = adoption.adopt(layer, identity, fresh, state);
                    running.add(adopted.isPresent() ? adopted.get() : submit(layer, identity, fresh));
                }
            }
            forgetUnservedPositions();
            if (!served.isEmpty()) {
                try (Lake lake = new Lake(conf)) {
                    ServingSync sync = new ServingSync(conf, lake);
                    Map<String, ServingSync.SettleWait> waits = new java.util.LinkedHashMap<>();
                    java.time.Duration patience = ServingSync.liveness(conf).multipliedBy(3).plusMinutes(1);
                    for (String table : served) {
                        LayerConf job = syncJob(table);
                        JobIdentity identity = JobIdentity.of(conf.name(), job.name(),
                                sync.identityStatements(table).stream().map(conf.secrets()::mask).toList());
                        Optional<ClusterJob> otherSql = adoption.runningOtherSql(job, identity);
                        if (otherSql.isPresent()) {
                            throw WeirException.badInput("the serving sync of " + table + " runs on the cluster as job "
                                    + otherSql.get().id() + " with other SQL (sql:" + otherSql.get().identity().orElseThrow()
                                    .sqlHash() + ", the conf now gives sql:" + identity.sqlHash() + ": its columns or"
                                    + " serving options changed). Stop the pipeline's jobs with weir stop, then start"
                                    + " weir stream again: the sync resumes from its savepoint with the new SQL");
                        }
                        Optional<RunningLayer> adopted = adoption.adopt(job, identity, fresh, new LayerState(conf, job));
                        if (adopted.isEmpty() && fresh) {
                            // Paimon starts a stateless reader at its recorded position; a fresh sync reads the table whole.
                            sync.forgetPosition(table);
                        }
                        Instant submitted = Instant.now();
                        RunningLayer syncJob = adopted.isPresent() ? adopted.get() : submitSync(sync, table, identity, fresh);
                        running.add(syncJob);
                        // A job restored from a checkpoint may be behind the position on file until it records its own.
                        waits.put(table, new ServingSync.SettleWait(patience, patience,
                                adopted.isPresent() || fresh ? Optional.empty() : Optional.of(submitted),
                                () -> !syncJob.job().getJobStatus().thenApply(JobStatus::isGloballyTerminalState)
                                        .exceptionally(e -> false).join()));
                    }
                    try {
                        settlePending(sync, waits);
                    } catch (RuntimeException e) {
                        LOG.warn("Serving: pending partitions not replaced again yet: {}",
                                conf.secrets().mask(Failures.rootCause(e)));
                    }
                } catch (WeirException e) {
                    throw e;
                } catch (Exception e) {
                    throw WeirException.jobFailed("serving sync could not start: " + conf.secrets().mask(Failures.rootCause(e)), e);
                }
            }
        } catch (RuntimeException e) {
            new RunningStream(conf, running, locks).cancelSubmitted(upgraded);
            throw e;
        }
        return new RunningStream(conf, running, locks, failed -> conf.layers().contains(failed.layer())
                ? java.util.Optional.of(submit(failed.layer(), identity(failed.layer()), false))
                : java.util.Optional.empty());
    }

    /**
     * What to do when a layer's state cannot be restored. Never a bare "use --fresh": a fresh start
     * re-reads the sources, and a table that sums what it receives would count it twice.
     */
    static String restoreHint(LayerConf layer, String point, String cause) {
        if (cause.contains("FileNotFoundException") || cause.contains("does not exist")) {
            return " (restoring " + point + ", whose files are gone: another job of this layer may have removed"
                    + " them; weir jobs lists the jobs on a cluster)";
        }
        return " (restoring " + point + "; if the layer's SQL changed, its state may no longer fit: weir stream --upgrade"
                + " --layer " + layer.name() + " starts the new SQL without it and rebuilds what it cannot produce"
                + " (--dry-run shows how). Not --fresh: it re-reads the sources, and a table that sums what it"
                + " receives ('merge-engine' = 'aggregation') would count them twice)";
    }

    /** The layer's stream identity: its SQL as rendered for the stream, secrets masked. */
    private JobIdentity identity(LayerConf layer) {
        RenderedLayer rendered = renderer.stream(layer);
        List<String> statements = new ArrayList<>();
        statements.add(rendered.targetDdl());
        statements.addAll(rendered.temporaryObjects());
        statements.addAll(rendered.inserts());
        return JobIdentity.of(conf.name(), layer.name(), statements.stream().map(conf.secrets()::mask).toList());
    }

    /** Locks every job's state first, so a second process is refused before it creates or submits anything. */
    private List<StreamLock> lock(List<LayerConf> layers, List<String> served) {
        List<StreamLock> locks = new ArrayList<>();
        try {
            for (LayerConf layer : conf.layers()) {
                if (layers.contains(layer)) {
                    locks.add(new LayerState(conf, layer).lockStream(layer.name()));
                }
            }
            for (String table : served) {
                LayerConf job = syncJob(table);
                locks.add(new LayerState(conf, job).lockStream(job.name()));
            }
            return locks;
        } catch (RuntimeException e) {
            locks.forEach(StreamLock::close);
            throw e;
        }
    }

    private LayerConf syncJob(String table) {
        return new LayerConf("serve_" + table, conf.file(), table, Optional.empty(), List.of(table), Optional.empty());
    }

    private void openSeals() {
        try (Lake lake = new Lake(conf)) {
            new Seals(lake).open();
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + conf.warehouse().ledgerDatabase() + "." + Seals.NAME + ": "
                    + e.getMessage(), e);
        }
    }

    private void forgetUnservedPositions() {
        try (Lake lake = new Lake(conf)) {
            ServingSync.forgetUnserved(conf, lake).forEach(table -> LOG.warn(
                    "{} is no longer served: the read position of its sync job is removed", table));
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("cannot remove the read positions of sync jobs of tables no longer served: {}",
                    conf.secrets().mask(Failures.rootCause(e)));
        }
    }

    /**
     * Partitions a backfill replaced in serving while their sync job was stopped or behind: replaced
     * again once the job, just started or adopted, has read past their overwrite.
     */
    private void settlePending(ServingSync sync, Map<String, ServingSync.SettleWait> waits) {
        for (Map.Entry<String, ServingSync.SettleWait> wait : waits.entrySet()) {
            String table = wait.getKey();
            java.time.Duration patience = wait.getValue().patience();
            Map<String, Long> waiting = sync.pending(table);
            if (waiting.isEmpty()) {
                continue;
            }
            LOG.info("Serving {}: {} partition(s) wait for the sync job to read past their overwrite", table, waiting.size());
            Map<String, Long> left = sync.settle(table, wait.getValue());
            if (left.isEmpty()) {
                LOG.info("Serving {}: {} partition(s) replaced again", table, waiting.size());
            } else {
                LOG.warn("Serving {}: the sync job has not read past snapshot {} within {} s; partitions {} stay"
                        + " pending for the next weir stream, backfill or weir sync", table,
                        java.util.Collections.max(left.values()), patience.toSeconds(), left.keySet());
            }
        }
    }

    private void ensureServingTables() {
        try (Lake lake = new Lake(conf)) {
            new ServingSync(conf, lake).ensureTables();
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            throw WeirException.jobFailed("serving sync could not start: " + conf.secrets().mask(Failures.rootCause(e)), e);
        }
    }

    /** The serving sync of one table runs as a job of its own, with its own checkpoints, like a layer. */
    private RunningLayer submitSync(ServingSync sync, String table, JobIdentity identity, boolean fresh) {
        LayerConf job = syncJob(table);
        LayerState state = new LayerState(conf, job);
        Optional<String> restoreFrom = fresh ? Optional.empty() : state.latestRestorePoint();
        return new JobAdoption(conf, session).submitOnce(identity, restoreFrom, job, state, jobId -> {
            Configuration config = JobConfigs.stream(conf, job, state, restoreFrom, identity, jobId);
            // The read position a checkpoint records must mean "written to serving": with unaligned
            // checkpoints, rows read before it could still be in flight, kept in the checkpoint.
            config.set(org.apache.flink.configuration.CheckpointingOptions.ENABLE_UNALIGNED, false);
            StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, config);
            List<String> statements = sync.streamStatements(table);
            statements.subList(0, statements.size() - 1).forEach(tEnv::executeSql);
            TableResult result = tEnv.executeSql(statements.get(statements.size() - 1));
            LOG.info("Serving sync of {} submitted as job {}", table, result.getJobClient().orElseThrow().getJobID());
            return result.getJobClient().orElseThrow();
        });
    }

    private RunningLayer submit(LayerConf layer, JobIdentity identity, boolean fresh) {
        LayerState state = new LayerState(conf, layer);
        return submit(layer, identity, fresh ? Optional.empty() : state.latestRestorePoint());
    }

    private RunningLayer submit(LayerConf layer, JobIdentity identity, Optional<String> restoreFrom) {
        LayerState state = new LayerState(conf, layer);
        return new JobAdoption(conf, session).submitOnce(identity, restoreFrom, layer, state,
                jobId -> submitJob(layer, identity, state, restoreFrom, jobId));
    }

    private org.apache.flink.core.execution.JobClient submitJob(LayerConf layer, JobIdentity identity, LayerState state,
            Optional<String> restoreFrom, org.apache.flink.api.common.JobID jobId) {
        RenderedLayer rendered = renderer.stream(layer);
        Configuration jobConf = JobConfigs.stream(conf, layer, state, restoreFrom, identity, jobId);
        StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, jobConf);
        try {
            rendered.setupStatements().forEach(tEnv::executeSql);
            LayerPlanCheck.check(conf, layer, tEnv, rendered.inserts());
            if (StreamFence.applies(layer, tEnv, rendered)) {
                openSeals();
                rendered = renderer.stream(layer, true);
                LOG.info("Layer {}: sealed partitions belong to batch; the stream drops its writes into them",
                        layer.name());
            }
            StatementSet statements = tEnv.createStatementSet();
            rendered.inserts().forEach(statements::addInsertSql);
            TableResult result = statements.execute();
            LOG.info("Layer {} submitted as job {}{}", layer.name(), result.getJobClient().orElseThrow().getJobID(),
                    restoreFrom.map(p -> " from " + p).orElse(""));
            return result.getJobClient().orElseThrow();
        } catch (ValidationException | org.apache.flink.table.api.SqlParserException e) {
            throw PlanCheck.doesNotPlan(layer, conf.secrets().mask(Failures.rootCause(e)));
        } catch (WeirException e) {
            throw e;
        } catch (RuntimeException e) {
            if (JobAdoption.isDuplicateId(e)) {
                throw e;
            }
            String cause = conf.secrets().mask(Failures.rootCause(e));
            String hint = restoreFrom.map(point -> restoreHint(layer, point, cause)).orElse("");
            throw WeirException.jobFailed("layer '" + layer.name() + "' could not start: " + cause + hint, e);
        }
    }
}
