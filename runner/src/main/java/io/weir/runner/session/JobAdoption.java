package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.JobIdentity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One job per layer on a cluster, as the Flink Kubernetes operator keeps one per deployment: a
 * layer whose job already runs (submitted by an earlier Weir process, e.g. one killed with -9) is
 * adopted, never submitted a second time; a job running other SQL is refused until it is stopped.
 */
final class JobAdoption {

    private static final Logger LOG = LoggerFactory.getLogger(JobAdoption.class);
    /** Ids a finished job already took are skipped, at most this many. */
    private static final int MAX_ID_ATTEMPTS = 8;

    private final PipelineConf conf;
    private final FlinkSession session;
    private List<ClusterJob> active;

    JobAdoption(PipelineConf conf, FlinkSession session) {
        this.conf = conf;
        this.session = session;
    }

    /** The pipeline's active jobs, listed once, on the first adoption; the embedded cluster starts empty. */
    private List<ClusterJob> active() {
        if (active == null) {
            active = session.embedded() ? List.of() : session.jobs().activeOf(conf.name());
        }
        return active;
    }

    /** The layer's one active job when it runs other SQL than {@code identity}'s: the job an upgrade replaces. */
    Optional<ClusterJob> runningOtherSql(LayerConf layer, JobIdentity identity) {
        List<ClusterJob> same = active().stream().filter(j -> j.identity().orElseThrow().sameJob(identity)).toList();
        if (same.size() > 1) {
            throw severalJobs(layer, same);
        }
        return same.stream().filter(j -> !j.identity().orElseThrow().sqlHash().equals(identity.sqlHash())).findFirst();
    }

    /** Whether the layer's job already runs {@code identity}'s SQL. */
    boolean runsSameSql(JobIdentity identity) {
        return active().stream().anyMatch(j -> j.identity().orElseThrow().sameJob(identity)
                && j.identity().orElseThrow().sqlHash().equals(identity.sqlHash()));
    }

    /** The layer's running job, adopted; empty when none runs and a job must be submitted. */
    Optional<RunningLayer> adopt(LayerConf layer, JobIdentity identity, boolean fresh, LayerState state) {
        List<ClusterJob> same = active().stream().filter(j -> j.identity().orElseThrow().sameJob(identity)).toList();
        if (same.isEmpty()) {
            return Optional.empty();
        }
        if (same.size() > 1) {
            throw severalJobs(layer, same);
        }
        ClusterJob job = same.get(0);
        String sqlHash = job.identity().orElseThrow().sqlHash();
        if (!sqlHash.equals(identity.sqlHash())) {
            throw WeirException.badInput("layer '" + layer.name() + "' already runs on the cluster as job " + job.id()
                    + " with other SQL (sql:" + sqlHash + ", the template now renders sql:" + identity.sqlHash()
                    + "). Replace it with weir stream --upgrade --layer " + layer.name() + " (--dry-run shows how)");
        }
        if (fresh) {
            throw WeirException.badInput("--fresh starts layer '" + layer.name() + "' without state, but it runs on the"
                    + " cluster as job " + job.id() + ": stop it first (weir stop --layer " + layer.name() + ")");
        }
        if (job.troubled()) {
            LOG.warn("Layer {}: adopted job {} is {}: {}", layer.name(), job.id(), job.state(),
                    conf.secrets().mask(session.jobs().rootCause(job.id()).orElse("no failure recorded yet")));
        }
        LOG.info("Layer {}: adopted job {} ({}), already running on the cluster", layer.name(), job.id(), job.state());
        return Optional.of(new RunningLayer(layer, session.attach(job.id()), Optional.empty(), state.savepointsDir(),
                true));
    }

    private WeirException severalJobs(LayerConf layer, List<ClusterJob> same) {
        return WeirException.jobFailed("layer '" + layer.name() + "' runs as " + same.size() + " jobs on the cluster ("
                + String.join(", ", same.stream().map(j -> j.id() + " " + j.state()).toList())
                + "): each writes every change, so the layer's tables count twice. Cancel all but one in the"
                + " Flink UI (" + session.webUrl() + "), then run again", null);
    }

    /**
     * Submits under the identity's fixed job id. When the cluster already has that id, another
     * client submitted the same job at the same moment (adopted), or a finished job took it (the
     * next id is tried).
     */
    RunningLayer submitOnce(JobIdentity identity, Optional<String> restoreFrom, LayerConf layer, LayerState state,
            Function<JobID, JobClient> submit) {
        for (int attempt = 0; ; attempt++) {
            JobID id = identity.jobId(restoreFrom, attempt);
            state.recordSql(id, identity.sqlHash());
            if (restoreFrom.isEmpty()) {
                state.recordFreshStart(java.time.Instant.now());
            }
            try {
                return new RunningLayer(layer, submit.apply(id), restoreFrom, state.savepointsDir(), false);
            } catch (RuntimeException e) {
                if (!isDuplicateId(e) || attempt + 1 >= MAX_ID_ATTEMPTS) {
                    throw e;
                }
                if (!session.embedded() && session.jobs().list().stream().anyMatch(j -> j.id().equals(id) && j.active())) {
                    LOG.info("Layer {}: job {} was just submitted by another client; adopted", layer.name(), id);
                    return new RunningLayer(layer, session.attach(id), Optional.empty(), state.savepointsDir(), true);
                }
            }
        }
    }

    /** The cluster refused the job because a job with its id exists or existed. */
    static boolean isDuplicateId(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t.getClass().getSimpleName().equals("DuplicateJobSubmissionException")
                    || message.contains("DuplicateJobSubmissionException") || message.contains("has already been submitted")
                    || message.contains("already reached a globally-terminal state")) {
                return true;
            }
        }
        return false;
    }
}
