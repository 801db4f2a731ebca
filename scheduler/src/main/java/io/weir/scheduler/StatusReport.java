package io.weir.scheduler;

import java.util.List;

/**
 * What {@code weir status} shows: each table's watermark, lag and open partitions, the last runs,
 * and what the scheduler is waiting for and why. Times are UTC, "yyyy-MM-dd HH:mm:ss".
 */
public record StatusReport(String now, List<TableStatus> tables, List<RunSummary> lastRuns, List<Waiting> waiting) {

    /**
     * @param writtenBy "stream" (snapshots carry a watermark), "batch" (ledgered runs only) or "-" (no data)
     * @param lagSeconds now minus watermark, for stream-written tables
     * @param closedThrough newest partition that can no longer change: its end is behind the
     *     watermark, or (batch tables) the newest partition built
     * @param open partitions after that up to now's, as "first..last"
     */
    public record TableStatus(String layer, String table, String writtenBy, String watermark, Long lagSeconds,
            String closedThrough, String open, int openCount, String schedule, String nextTick) {}

    public record RunSummary(String runId, String mode, String layers, int partitions, String status,
            String started, String finished, String error) {}

    /** A due partition of a scheduled layer, and what it waits on ("" when ready for the next tick). */
    public record Waiting(String layer, String partition, String due, String waitingOn) {}
}
