package io.weir.scheduler;

import io.weir.backfill.RunStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code weir status}, its {@code --json} and the page of {@code weir ui} show, as data: times
 * are UTC instants, durations milliseconds, states enums. Turning it into words is the caller's job.
 *
 * @param dueCounts per scheduled layer (and unscheduled one with batch-built partitions to rebuild), how many are due in all ({@code waiting} lists the first few)
 */
public record StatusReport(String pipeline, Instant now, List<TableStatus> tables, List<RunSummary> runs,
        List<Waiting> waiting, Map<String, Integer> dueCounts, List<JobRow> jobs, String cluster,
        List<EndpointStatus> endpoints, SchedulerState scheduler) {

    /** The same report with each endpoint (source, serving) and whether it answers. */
    public StatusReport withEndpoints(List<EndpointStatus> probed) {
        return new StatusReport(pipeline, now, tables, runs, waiting, dueCounts, jobs, cluster, List.copyOf(probed),
                scheduler);
    }

    /**
     * The same report with the streaming jobs on the Flink cluster.
     *
     * @param clusterNote the cluster's address, or why it could not be asked
     */
    public StatusReport withJobs(List<JobRow> clusterJobs, String clusterNote) {
        return new StatusReport(pipeline, now, tables, runs, waiting, dueCounts, List.copyOf(clusterJobs), clusterNote,
                endpoints, scheduler);
    }

    /** What a layer is: continuously streamed, built in batch runs, or scheduled (built per partition as it seals). */
    public enum TableKind { STREAM, BATCH, SCHEDULED, EMPTY }

    /**
     * Whether a {@code weir schedule} holds the pipeline's scheduler store now, so that what waits on
     * nothing runs at the next tick: NONE_SCHEDULED when no layer has a schedule, UNKNOWN when the
     * store could not be asked.
     */
    public enum SchedulerState {
        RUNNING, NOT_RUNNING, UNKNOWN, NONE_SCHEDULED;

        /** When a due partition of a scheduled layer that waits on nothing will run. */
        public String whenNothingWaits() {
            return switch (this) {
                case NOT_RUNNING -> "nothing, but no `weir schedule` runs: it runs once one does";
                case UNKNOWN -> "nothing: runs at the next tick (the scheduler store could not be asked)";
                default -> "nothing: runs at the next tick";
            };
        }
    }

    /** Who wrote the table's newest data: a checkpointed streaming job, batch runs only, or nobody yet. */
    public enum WrittenBy { STREAM, BATCH, NONE }

    /**
     * A streaming job of the pipeline on the cluster. {@code state} is Flink's job status;
     * {@code lateRowsDropped} counts the rows its event-time windows and OVER windows dropped behind
     * their watermark since it started, {@code null} when it has no such operator or is not running.
     */
    public record JobRow(String job, String state, String id, Instant started, Instant lastCheckpoint, long restarts,
            String sqlHash, String rootCause, Long lateRowsDropped) {}

    /** A source or serving store, and why it does not answer ({@code null} when it does). */
    public record EndpointStatus(String name, boolean reachable, String problem) {}

    /**
     * @param upstream the tables the layer reads (the graph's edges)
     * @param lagMs now minus the watermark, for stream-written tables
     * @param closedThrough newest partition that can no longer change: its end is behind the
     *     watermark, or (batch tables) the newest partition built
     * @param firstOpen first partition after that, up to now's ({@code null} when none is open)
     * @param verified the newest verification of a layer with {@code verify: true}, a differing one first
     */
    public record TableStatus(String layer, String table, TableKind kind, List<String> upstream, WrittenBy writtenBy,
            Instant watermark, Long lagMs, String closedThrough, String firstOpen, String lastOpen, long openCount,
            Schedule schedule, Freshness freshness, Verified verified, Closed closing) {}

    /**
     * How far a stream-written table is complete in event time, and what decided it.
     *
     * @param through instants before this are complete; null when nothing is known to be
     * @param basis   its own watermark, quiet, its inputs, a stalled watermark, ... ({@code Closing.Basis})
     * @param state   the same in words, as readiness and backfill say it
     */
    public record Closed(Instant through, String basis, String state) {}

    /** A layer's schedule block and its next tick. */
    public record Schedule(String cron, long allowedLatenessMs, Instant nextTick) {}

    /**
     * How fresh a layer is, measured from the lake.
     *
     * @param ageMs now minus the watermark (a batch-built table: minus the end of its newest built
     *     partition; a stream without a watermark: minus its last commit)
     * @param hopDelayMs for a stream-written layer: from the newest upstream commit of rows before the
     *     layer's newest commit of rows, to that commit
     * @param targetMs the layer's {@code freshness} target, if it has one
     * @param missed whether the age is past the target
     */
    public record Freshness(Long ageMs, Long hopDelayMs, Long targetMs, boolean missed) {}

    /** A partition's newest verification. */
    public record Verified(String partition, Instant at, boolean equal, long equalRows, long differingRows,
            long missingRows, long extraRows, String sample) {}

    /**
     * One run (a backfill, a retry, a scheduled tick's batch) over the partitions it touched.
     *
     * @param counts per state, how many of its partitions are in it now
     * @param state RUNNING while any partition runs, then FAILED, LATE or DONE
     * @param plannedPartitions how many partitions its window spans over its layers, for its progress
     */
    public record RunSummary(String runId, String mode, List<String> layers, int partitions,
            Map<RunStatus, Integer> counts, RunStatus state, Instant started, Instant finished, String error,
            long plannedPartitions) {}

    /** A due partition of a scheduled layer, why it is due, and what it waits on ("" when ready for the next tick). */
    public record Waiting(String layer, String partition, String due, String waitingOn) {}
}
