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
 * @param staleStreamState per layer, the open partitions this run rebuilt that the layer's stream, one
 *     with state, still writes (now, or when it resumes): its state predates the rebuild, and its next change to a key there writes
 *     the stream's own value over the rebuilt row
 */
public record BackfillResult(String runId, int partitionsDone, int partitionsFailed, long rowsWritten,
        List<String> failures, List<Chunk> unfinished, boolean ledgerComplete, List<String> streamKeepsOut,
        List<String> leftToOthers, java.util.Map<String, List<String>> staleStreamState) {

    public boolean succeeded() {
        return partitionsFailed == 0;
    }
}
