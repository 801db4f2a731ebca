package io.weir.runner.session;

import io.weir.runner.cluster.JobIdentity;
import io.weir.runner.conf.FlinkConf;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.apache.flink.table.api.config.ExecutionConfigOptions;

import java.util.Optional;

/** The Flink configuration of Weir's jobs, derived from the pipeline conf. */
public final class JobConfigs {

    private JobConfigs() {}

    /**
     * A continuous job: checkpoints (Paimon commits on each), retained state, bounded restarts. Its
     * name is its identity and its id is fixed, so the cluster itself refuses a second copy.
     */
    static Configuration stream(PipelineConf conf, LayerConf layer, LayerState state, Optional<String> restoreFrom,
            JobIdentity identity, JobID jobId) {
        FlinkConf flink = conf.flink();
        Configuration c = common(conf, layer.name() + " stream");
        c.set(PipelineOptions.NAME, identity.jobName());
        c.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, jobId.toHexString());
        c.set(ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL, flink.checkpointInterval());
        c.set(ExecutionCheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        c.set(ExecutionCheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, state.checkpointsDir());
        c.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, state.savepointsDir());
        c.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 2);
        c.set(ExecutionConfigOptions.TABLE_EXEC_SOURCE_IDLE_TIMEOUT, flink.sourceIdleTimeout());
        restoreFrom.ifPresent(path -> c.set(StateRecoveryOptions.SAVEPOINT_PATH, path));
        // Paimon's streaming readers look for new snapshots every 10 s by default, which adds up to
        // 10 s per layer; a snapshot comes at most once per checkpoint, so look that often
        // (flink.options may set it otherwise).
        c.setString(LAKE_DISCOVERY_INTERVAL, flink.checkpointInterval().toMillis() + " ms");
        flink.options().forEach(c::setString);
        return c;
    }

    /** Paimon's job-level dynamic option for every table's continuous.discovery-interval. */
    static final String LAKE_DISCOVERY_INTERVAL = "paimon.*.*.*.continuous.discovery-interval";

    /**
     * A bounded streaming job (a CDC snapshot into a staging table): it commits on checkpoints, so
     * they come often, and it finishes by itself.
     */
    public static Configuration boundedStream(PipelineConf conf, String jobName) {
        Configuration c = common(conf, jobName);
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        c.set(ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL, java.time.Duration.ofSeconds(1));
        c.set(ExecutionConfigOptions.TABLE_EXEC_SOURCE_IDLE_TIMEOUT, conf.flink().sourceIdleTimeout());
        conf.flink().options().forEach(c::setString);
        return c;
    }

    /** A bounded job: no restarts, a failure is reported at once and nothing is committed. */
    public static Configuration batch(PipelineConf conf, String jobName) {
        Configuration c = common(conf, jobName);
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.flink().options().forEach(c::setString);
        return c;
    }

    private static Configuration common(PipelineConf conf, String jobName) {
        FlinkConf flink = conf.flink();
        Configuration c = new Configuration();
        c.set(PipelineOptions.NAME, "weir " + conf.name() + " " + jobName);
        c.set(CoreOptions.DEFAULT_PARALLELISM, flink.parallelism());
        // Paimon merges by primary key itself and refuses Flink's upsert materializer.
        c.set(ExecutionConfigOptions.TABLE_EXEC_SINK_UPSERT_MATERIALIZE,
                ExecutionConfigOptions.UpsertMaterialize.NONE);
        if (flink.restartAttempts() > 0) {
            // Exponential delay that forgives: the backoff doubles up to a minute, so a replaced
            // TaskManager or a restarted source has time to come back, and after ten quiet minutes
            // the count starts again, so failures days apart never add up to the limit.
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, flink.restartAttempts());
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, flink.restartDelay());
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                    java.time.Duration.ofMinutes(1).compareTo(flink.restartDelay()) > 0 ? java.time.Duration.ofMinutes(1)
                            : flink.restartDelay());
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                    java.time.Duration.ofMinutes(10));
            c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        } else {
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        return c;
    }
}
