package io.weir.scheduler;

import java.time.Duration;
import java.util.List;

/** Hears what the scheduler does; called from the tick threads. */
public interface ScheduleEvents {

    /** A tick found partitions to build ({@code why} per partition, e.g. "not built", "late data: ..."). */
    default void due(String layer, List<String> partitions, List<String> why) {}

    /** More partitions became due while a tick waited, and join it: its catch-up grows by them. */
    default void joined(String layer, List<String> partitions, List<String> why) {
        due(layer, partitions, why);
    }

    /** A partition waits for its upstream; called again only when the reason changes. */
    default void waiting(String layer, String partition, String reason) {}

    /** A job for these partitions is about to be submitted to the cluster. */
    default void submitted(String layer, List<String> partitions, int attempt) {}

    default void done(String layer, List<String> partitions, long rows, Duration took) {}

    /** Partitions recorded as built with no rows, without a job: nothing they read holds data. */
    default void skippedEmpty(String layer, List<String> partitions) {}

    /** A job failed; {@code retryIn} is null when no attempt is left and the partitions are marked FAILED. */
    default void failed(String layer, List<String> partitions, int attempt, String error, Duration retryIn) {}

    /** The wait deadline passed: the partition is marked LATE with the reason. */
    default void late(String layer, String partition, String reason) {}

    /**
     * A built partition was verified against a batch recomputation ({@code layers[i].verify}).
     *
     * @param summary "equal (n rows)" or what differs
     */
    default void verified(String layer, String partition, boolean same, String summary) {}

    /** A tick itself failed (not a job): the next tick finds the same partitions due again. */
    default void tickFailed(String layer, String error) {}

    ScheduleEvents NONE = new ScheduleEvents() {};
}
