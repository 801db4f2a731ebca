package io.weir.scheduler;

import java.util.List;

/**
 * What {@code weir status} shows: each table's watermark, lag and open partitions, the last runs,
 * and what the scheduler is waiting for and why. Times are UTC, "yyyy-MM-dd HH:mm:ss".
 */
public record StatusReport(String now, List<TableStatus> tables, List<RunSummary> lastRuns, List<Waiting> waiting,
        List<JobRow> jobs, String cluster, java.util.Map<String, String> endpoints) {

    public StatusReport(String now, List<TableStatus> tables, List<RunSummary> lastRuns, List<Waiting> waiting) {
        this(now, tables, lastRuns, waiting, List.of(), "", java.util.Map.of());
    }

    /** The same report with each endpoint (source, serving) and "reachable" or why it is not. */
    public StatusReport withEndpoints(java.util.Map<String, String> probed) {
        return new StatusReport(now, tables, lastRuns, waiting, jobs, cluster, java.util.Map.copyOf(probed));
    }

    /**
     * The same report with the streaming jobs on the Flink cluster.
     *
     * @param cluster the cluster's address, or why it could not be asked
     */
    public StatusReport withJobs(List<JobRow> clusterJobs, String clusterNote) {
        return new StatusReport(now, tables, lastRuns, waiting, List.copyOf(clusterJobs), clusterNote, endpoints);
    }

    /** A streaming job of the pipeline on the cluster (times UTC, as elsewhere in the report). */
    public record JobRow(String job, String state, String id, String started, String lastCheckpoint, long restarts,
            String sqlHash, String rootCause) {}

    /**
     * @param writtenBy "stream" (snapshots carry a watermark), "batch" (ledgered runs only) or "-" (no data)
     * @param lagSeconds now minus watermark, for stream-written tables
     * @param closedThrough newest partition that can no longer change: its end is behind the
     *     watermark, or (batch tables) the newest partition built
     * @param open partitions after that up to now's, as "first..last"
     * @param verified the newest verification of a layer with {@code verify: true} (a differing one
     *     first): "partition equal (n rows)" or "partition DIFFERS: ...", "not yet"; "-" otherwise
     */
    public record TableStatus(String layer, String table, String writtenBy, String watermark, Long lagSeconds,
            String closedThrough, String open, int openCount, String schedule, String nextTick, String verified) {

        public TableStatus(String layer, String table, String writtenBy, String watermark, Long lagSeconds,
                String closedThrough, String open, int openCount, String schedule, String nextTick) {
            this(layer, table, writtenBy, watermark, lagSeconds, closedThrough, open, openCount, schedule, nextTick, "-");
        }

        public TableStatus withVerified(String newVerified) {
            return new TableStatus(layer, table, writtenBy, watermark, lagSeconds, closedThrough, open, openCount,
                    schedule, nextTick, newVerified);
        }
    }

    public record RunSummary(String runId, String mode, String layers, int partitions, String status,
            String started, String finished, String error) {}

    /** A due partition of a scheduled layer, and what it waits on ("" when ready for the next tick). */
    public record Waiting(String layer, String partition, String due, String waitingOn) {}
}
