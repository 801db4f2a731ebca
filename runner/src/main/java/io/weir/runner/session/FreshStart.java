package io.weir.runner.session;

import io.weir.runner.conf.Partition;

import java.util.List;
import java.util.Optional;

/**
 * How a layer whose saved state does not fit its new SQL starts without it: batch first rebuilds
 * every partition the stream owns, reading the upstream tables at their current snapshots, and the
 * new job then takes over at a point that neither misses nor repeats a change.
 *
 * @param pinned the lake tables the job scans: read by the rebuild as of their current snapshot,
 *               and by the new job from the snapshot after it ({@link Position#AFTER_REBUILD})
 * @param rebuild the partitions batch rebuilds first; empty with {@code wholeTable} for an unpartitioned layer
 * @param keptByBatch partitions left as batch built them: they are batch's, and the stream keeps out
 * @param refusal why no start without state can be exact, when none can
 */
public record FreshStart(Position position, List<String> pinned, List<Partition> rebuild, boolean wholeTable,
        int keptByBatch, Optional<String> refusal) {

    /** Where the new job starts reading. */
    public enum Position {
        /**
         * After the snapshots the rebuild read: every change reaches the table once, either in the
         * rebuild or through the job. Right for a job without state, and for one whose table sums
         * what it receives (its deltas add up without the old state).
         */
        AFTER_REBUILD,
        /**
         * From the start of its sources, as a fresh stream does: its state is complete again, and a
         * table that keeps each key's latest row takes the rewrites without counting twice.
         */
        FULL_READ
    }

    public int partitionCount() {
        return wholeTable ? 1 : rebuild.size();
    }

    /** The rebuild's partitions in a line: {@code 20230201..20230216 (16)}. */
    public String describeRebuild() {
        if (wholeTable) {
            return "the whole table";
        }
        if (rebuild.isEmpty()) {
            return "no partition";
        }
        String first = rebuild.get(0).value();
        String last = rebuild.get(rebuild.size() - 1).value();
        return (first.equals(last) ? first : first + ".." + last) + " (" + rebuild.size() + " partition"
                + (rebuild.size() == 1 ? "" : "s") + ")";
    }
}
