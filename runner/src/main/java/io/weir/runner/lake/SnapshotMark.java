package io.weir.runner.lake;

/**
 * One snapshot of a table, named so that it can be recognised later: by its id, and by its commit
 * time, because a {@code rollback_to} or a table dropped and made anew puts other commits under the
 * same ids. A history read since such a mark is only the table's true history since it while the
 * snapshot under that id still has that commit time.
 *
 * @param committedMillis the snapshot's commit time (epoch millis); {@link #UNKNOWN} where a ledger
 *     entry recorded before Weir kept it, or where the table had no snapshot (id 0)
 */
public record SnapshotMark(long id, long committedMillis) {

    public static final long UNKNOWN = -1;

    /** A mark that knows only the id: entries recorded before Weir kept commit times. */
    public static SnapshotMark idOnly(long id) {
        return new SnapshotMark(id, UNKNOWN);
    }

    public boolean timeKnown() {
        return committedMillis != UNKNOWN;
    }
}
