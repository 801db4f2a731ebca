package io.weir.runner.lake;

import java.util.Set;

/**
 * The names of Weir's own tables in the ledger database, in one place: the backfill module writes
 * them, and the lake looks for them when it checks that a conf does not leave a ledger behind.
 */
public final class LedgerTableNames {

    public static final String RUN_LOG = "run_log";
    public static final String PARTITION_STATE = "partition_state";
    /** The one table of Weir's ledger before it was split into the two above. */
    public static final String LEGACY_RUNS = "runs";
    /** What the legacy table is renamed to once its entries are moved. */
    public static final String LEGACY_MOVED = "runs_moved_to_run_log";

    /** Tables whose presence proves that a database holds a warehouse's ledger or seals. */
    public static final Set<String> HISTORY = Set.of(RUN_LOG, PARTITION_STATE, Seals.NAME, LEGACY_RUNS, LEGACY_MOVED);

    private LedgerTableNames() {}
}
