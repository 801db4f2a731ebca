package io.weir.backfill;

/** The state of one (table, partition) in one run. */
public enum RunStatus {
    RUNNING,
    DONE,
    FAILED,
    /** Scheduled, but its upstream was not ready before the wait deadline; the next tick tries again. */
    LATE
}
