package io.weir.backfill;

import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Staging tables that a killed backfill left behind: a CDC layer's run copies its range into
 * {@code <ledger database>.stg_<table>_<first>_<last>_<run>_<chunk>} and drops it when done, so one whose run has
 * no RUNNING entry in a live process is an orphan, dropped by the next run.
 */
final class OrphanedStaging {

    private static final String PREFIX = "stg_";

    private OrphanedStaging() {}

    /** Drops the orphans; returns their names. */
    static List<String> drop(Lake lake, Ledger ledger) {
        Catalog catalog = lake.catalog();
        List<String> dropped = new ArrayList<>();
        try {
            List<String> tables = catalog.listTables(lake.ledgerDatabase());
            if (tables.stream().noneMatch(t -> t.startsWith(PREFIX))) {
                return dropped;
            }
            Set<String> live = ledger.liveRunIds().stream().map(OrphanedStaging::runToken).collect(Collectors.toSet());
            for (String table : tables) {
                String token = tokenOf(table);
                if (token != null && !live.contains(token)) {
                    catalog.dropTable(Identifier.create(lake.ledgerDatabase(), table), true);
                    dropped.add(lake.ledgerDatabase() + "." + table);
                }
            }
        } catch (Catalog.DatabaseNotExistException e) {
            // no CDC layer was ever backfilled here
        } catch (Catalog.TableNotExistException e) {
            throw new IllegalStateException(e);
        }
        return dropped;
    }

    /** The part of a run id that staging names carry (BackfillPlanner's token). */
    static String runToken(String runId) {
        return runId.substring(runId.lastIndexOf('-') + 1);
    }

    /**
     * The run token of a backfill's staging table, or null for a name Weir's backfills do not give
     * (a verify's scratch staging, or a table of someone else).
     */
    static String tokenOf(String table) {
        if (!table.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = table.split("_");
        if (parts.length < 4 || !parts[parts.length - 1].chars().allMatch(Character::isDigit)
                || parts[parts.length - 2].equals("verify") || parts[parts.length - 3].equals("verify")) {
            return null;
        }
        return parts[parts.length - 2];
    }
}
