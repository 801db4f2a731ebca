package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.SavepointFormatType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** The streaming jobs of one {@code weir stream}: watched while they run, stopped with savepoints. */
public final class RunningStream {

    private static final Logger LOG = LoggerFactory.getLogger(RunningStream.class);

    /** Resumptions after commit conflicts allowed within {@link #CONFLICT_WINDOW} before a layer counts as failed. */
    private static final int MAX_CONFLICT_RESUMES = 10;
    private static final Duration CONFLICT_WINDOW = Duration.ofMinutes(10);

    private final PipelineConf conf;
    private final List<RunningLayer> layers;
    private final List<StreamLock> locks;
    private final java.util.function.Function<RunningLayer, java.util.Optional<RunningLayer>> resume;
    private final java.util.Deque<Long> resumedAt = new java.util.ArrayDeque<>();

    RunningStream(PipelineConf conf, List<RunningLayer> layers, List<StreamLock> locks) {
        this(conf, layers, locks, failed -> java.util.Optional.empty());
    }

    /**
     * @param resume submits a failed layer again from its newest retained checkpoint, where it can
     *               (empty where it cannot, e.g. a serving-sync job)
     */
    RunningStream(PipelineConf conf, List<RunningLayer> layers, List<StreamLock> locks,
            java.util.function.Function<RunningLayer, java.util.Optional<RunningLayer>> resume) {
        this.conf = conf;
        this.layers = new java.util.concurrent.CopyOnWriteArrayList<>(layers);
        this.locks = List.copyOf(locks);
        this.resume = resume;
    }

    /** How many times a layer was resumed after losing a commit to another writer. */
    public synchronized int conflictResumes() {
        return resumedAt.size();
    }

    public List<RunningLayer> layers() {
        return layers;
    }

    public Map<String, JobStatus> statuses() {
        Map<String, JobStatus> statuses = new LinkedHashMap<>();
        for (RunningLayer layer : layers) {
            statuses.put(layer.layer().name(), status(layer));
        }
        return statuses;
    }

    /**
     * Throws if a job failed (after its restarts) or ended: a continuous layer that stops is an
     * error the user must see, never something restarted forever in silence.
     */
    public void checkHealthy() {
        for (RunningLayer layer : layers) {
            JobStatus status = status(layer);
            if (status == JobStatus.FAILED) {
                String cause = failureCause(layer);
                if (Failures.isCommitConflict(cause) && resumeAfterConflict(layer, cause)) {
                    continue;
                }
                String hint = layer.restoredFrom().filter(p -> isRestoreFailure(cause))
                        .map(p -> StreamRunner.restoreHint(layer.layer(), p, cause)).orElse("");
                throw WeirException.jobFailed("layer '" + layer.layer().name() + "' failed: "
                        + conf.secrets().mask(cause) + hint, null);
            }
            if (status.isGloballyTerminalState()) {
                throw WeirException.jobFailed("layer '" + layer.layer().name() + "' ended (" + status
                        + ") although it runs continuously", null);
            }
        }
    }

    /**
     * A commit the stream's writer lost to a backfill's overwrite of the same partition (Paimon:
     * "File deletion conflicts detected") fails the job once its restarts are spent, though nothing
     * is wrong with it: its checkpoint holds what it had not committed. So it is submitted again
     * from there, at most {@link #MAX_CONFLICT_RESUMES} times in {@link #CONFLICT_WINDOW}.
     */
    private synchronized boolean resumeAfterConflict(RunningLayer failed, String cause) {
        long now = System.currentTimeMillis();
        while (!resumedAt.isEmpty() && resumedAt.peekFirst() < now - CONFLICT_WINDOW.toMillis()) {
            resumedAt.removeFirst();
        }
        if (resumedAt.size() >= MAX_CONFLICT_RESUMES) {
            return false;
        }
        java.util.Optional<RunningLayer> resumed = resume.apply(failed);
        if (resumed.isEmpty()) {
            return false;
        }
        resumedAt.addLast(now);
        layers.set(layers.indexOf(failed), resumed.get());
        LOG.warn("Layer {} lost a commit to another writer of the same partitions (a backfill) and was resumed"
                + " from {}: {}", failed.layer().name(), resumed.get().restoredFrom().orElse("its start"),
                conf.secrets().mask(cause));
        return true;
    }

    /** Flink's words for state it could not restore into the job. */
    private static boolean isRestoreFailure(String cause) {
        return cause.contains("rollback to checkpoint") || cause.contains("Cannot map checkpoint")
                || cause.contains("FileNotFoundException") || cause.contains("StateMigrationException")
                || cause.contains("restore");
    }

    private static String failureCause(RunningLayer layer) {
        try {
            layer.job().getJobExecutionResult().get(30, TimeUnit.SECONDS);
            return "unknown cause";
        } catch (ExecutionException e) {
            return Failures.rootCause(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (TimeoutException e) {
            return "no failure cause within 30 s";
        }
    }

    /** Waits until {@code stopRequested} or a job fails; polls without busy looping. */
    public void awaitStopRequest(BooleanSupplier stopRequested, Duration poll, Runnable onPoll) throws InterruptedException {
        while (!stopRequested.getAsBoolean()) {
            checkHealthy();
            onPoll.run();
            synchronized (this) {
                wait(poll.toMillis());
            }
        }
    }

    /** Waits until every job is RUNNING; throws if one fails or {@code timeout} passes first. */
    public void awaitRunning(Duration timeout, Duration poll) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!statuses().values().stream().allMatch(s -> s == JobStatus.RUNNING)) {
            checkHealthy();
            if (System.nanoTime() > deadline) {
                throw WeirException.jobFailed("not every job was RUNNING within " + timeout + ": " + statuses(), null);
            }
            synchronized (this) {
                wait(poll.toMillis());
            }
        }
    }

    /** Leaves the jobs running on the cluster and lets another process stream, stop or adopt them. */
    public void detach() {
        releaseLocks();
    }

    /** Wakes {@link #awaitStopRequest} early, e.g. from a signal handler. */
    public synchronized void wakeUp() {
        notifyAll();
    }

    /** Stops every running job with a savepoint; returns layer name to savepoint path. */
    public Map<String, String> stopWithSavepoints(Duration timeout) {
        try {
            return stopEach(timeout);
        } finally {
            releaseLocks();
        }
    }

    private Map<String, String> stopEach(Duration timeout) {
        Map<String, CompletableFuture<String>> pending = new LinkedHashMap<>();
        for (RunningLayer layer : layers) {
            if (!status(layer).isGloballyTerminalState()) {
                pending.put(layer.layer().name(),
                        layer.job().stopWithSavepoint(false, layer.savepointsDir(), SavepointFormatType.CANONICAL));
            }
        }
        Map<String, String> savepoints = new LinkedHashMap<>();
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, CompletableFuture<String>> entry : pending.entrySet()) {
            try {
                savepoints.put(entry.getKey(), entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (ExecutionException | TimeoutException e) {
                failures.append("\n  ").append(entry.getKey()).append(": ").append(Failures.rootCause(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.append("\n  ").append(entry.getKey()).append(": interrupted");
            }
        }
        if (failures.length() > 0) {
            cancel();
            throw WeirException.jobFailed("stop with savepoint failed (the next start resumes from the latest"
                    + " retained checkpoint):" + failures, null);
        }
        return savepoints;
    }

    /** Cancels every job still running, without a savepoint. */
    public void cancel() {
        cancel(layers);
    }

    /**
     * Undoes a start that failed part way: cancels the jobs it submitted, and leaves running the jobs
     * it adopted and those in {@code keep} (an upgrade's, whose old job is gone).
     */
    void cancelSubmitted(java.util.Set<RunningLayer> keep) {
        cancel(layers.stream().filter(l -> !l.adopted() && !keep.contains(l)).toList());
    }

    private void cancel(List<RunningLayer> chosen) {
        for (RunningLayer layer : chosen) {
            try {
                if (!status(layer).isGloballyTerminalState()) {
                    layer.cancel();
                }
            } catch (Exception e) {
                LOG.warn("Cancelling layer {} failed: {}", layer.layer().name(), e.getMessage());
            }
        }
        releaseLocks();
    }

    /** Once the jobs are stopped, another process may stream these layers. */
    private synchronized void releaseLocks() {
        for (StreamLock lock : locks) {
            try {
                lock.close();
            } catch (RuntimeException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
    }

    private static JobStatus status(RunningLayer layer) {
        try {
            return layer.job().getJobStatus().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            // A finished job is no longer known to the cluster's status endpoint; its result still is.
            return layer.job().getJobExecutionResult().isCompletedExceptionally() ? JobStatus.FAILED : JobStatus.FINISHED;
        }
    }
}
