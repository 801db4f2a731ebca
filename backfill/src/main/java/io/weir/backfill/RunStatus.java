package io.weir.backfill;

/** The state of one (table, partition) in one run. */
public enum RunStatus {
    RUNNING,
    DONE,
    FAILED
}
