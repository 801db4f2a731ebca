package io.weir.runner.session;

import io.weir.runner.conf.Partition;

import java.util.List;
import java.util.Optional;

/**
 * How a layer whose saved state does not fit its new SQL starts without it. The new job reads its
 * sources from their start, so its state is whole again and every partition it owns comes out as a
 * recomputation would give it. What it owns is prepared first:
 * <ul>
 *   <li>a table that keeps each key's latest row is rebuilt in batch with the new SQL, so rows the
 *       new SQL no longer produces go and the table stays readable while the job catches up; the
 *       job's rewrites then replace rows and count nothing twice;</li>
 *   <li>a table that sums what it receives (or has no primary key) is emptied, since the job's
 *       full read would add onto anything left in it.</li>
 * </ul>
 * Sealed partitions batch built are batch's: they stay, and the job keeps out of them.
 *
 * @param partitions the partitions the stream owns; empty with {@code wholeTable} for an unpartitioned layer
 * @param keptByBatch partitions left as batch built them
 * @param refusal why no start without state can be exact, when none can
 */
public record FreshStart(Preparation preparation, List<Partition> partitions, boolean wholeTable, int keptByBatch,
        Optional<String> refusal) {

    /** What happens to the partitions the stream owns before the new job starts. */
    public enum Preparation {
        /** rebuilt in batch with the new SQL */
        REBUILD,
        /** emptied: the new job's full read writes them whole */
        EMPTY
    }

    public int partitionCount() {
        return wholeTable ? 1 : partitions.size();
    }

    /** The partitions in a line: {@code 20230201..20230216 (16 partitions)}. */
    public String describePartitions() {
        if (wholeTable) {
            return "the whole table";
        }
        if (partitions.isEmpty()) {
            return "no partition";
        }
        String first = partitions.get(0).value();
        String last = partitions.get(partitions.size() - 1).value();
        return (first.equals(last) ? first : first + ".." + last) + " (" + partitions.size() + " partition"
                + (partitions.size() == 1 ? "" : "s") + ")";
    }
}
