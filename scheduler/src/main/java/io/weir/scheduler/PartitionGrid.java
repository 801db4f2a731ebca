package io.weir.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * Every layer's partitions over a window, each with its state: what the page of {@code weir ui}
 * draws as a grid. Unpartitioned layers have a row with no cells.
 */
public record PartitionGrid(Instant from, Instant until, List<Row> rows) {

    /** A window of more cells than a grid draws. */
    public static final class TooLarge extends IllegalArgumentException {
        public TooLarge(String message) {
            super(message);
        }
    }

    public record Row(String layer, String table, String granularity, List<Cell> cells) {}

    /**
     * @param detail why the cell is in its state: what a waiting partition waits on, a failure's error,
     *     a verification's summary; "" when the state says it all
     */
    public record Cell(String partition, Instant start, Instant end, CellState state, String detail) {}

    /** A partition's state, most pressing first when several apply. */
    public enum CellState {
        /** A run is building it now. */
        RUNNING,
        /** Its newest run failed. */
        FAILED,
        /** Its scheduled run gave up waiting for the upstream; the next tick tries again. */
        LATE,
        /** Its newest verification found rows that differ from a batch recomputation. */
        DIFFERING,
        /**
         * Of a layer without a schedule: needs a rebuild that nothing will run by itself (an input
         * changed or was rebuilt after it was written, or its last run failed); `weir backfill` does it.
         */
        STALE,
        /** Due for a scheduled run, waiting on its upstream (or on the next tick). */
        WAITING,
        /** Built in batch, and a verification after the build found it equal to its recomputation. */
        VERIFIED,
        /** Built in batch: authoritative. */
        BUILT,
        /** Every upstream watermark has passed its end, and only the stream has written it. */
        SEALED,
        /** The stream writes it; its rows are provisional until it seals. */
        PROVISIONAL,
        /** No data and no run. */
        EMPTY,
        /** Starts after now. */
        FUTURE
    }
}
