package io.weir.backfill;

import java.util.List;

/**
 * How a backfill ended: partitions rebuilt, partitions failed (with why), rows written.
 *
 * @param unfinished the chunks that failed or never ran, in the plan's order
 * @param ledgerComplete whether the ledger holds the outcome of every chunk that did not finish, so
 *     that {@code weir backfill --retry} finds them all (it cannot when the ledger's own disk is full)
 * @param streamKeepsOut the layers whose running stream now keeps out of the partitions this run
 *     sealed: later changes reach those partitions only by a rebuild
 * @param leftToOthers the chunks another live run was building when this one came to them, each
 *     saying which run: not built twice at once
 */
public record BackfillResult(String runId, int partitionsDone, int partitionsFailed, long rowsWritten,
        List<String> failures, List<Chunk> unfinished, boolean ledgerComplete, List<String> streamKeepsOut,
        List<String> leftToOthers) {

    public boolean succeeded() {
        return partitionsFailed == 0;
    }
}
