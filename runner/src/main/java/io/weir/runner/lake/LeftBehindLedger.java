package io.weir.runner.lake;

import io.weir.runner.WeirException;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.table.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Refuses a ledger database that would leave this warehouse's ledger behind. Named anew on a
 * warehouse whose ledger lies in another database, it would start empty: every partition would count
 * as never built, and the seals that keep streams out of partitions batch owns would be gone, so a
 * stream's stale state could overwrite them again.
 */
final class LeftBehindLedger {

    private static final Logger LOGGER = LoggerFactory.getLogger(LeftBehindLedger.class);

    /** The pipeline whose ledger is looked for, and its layers' tables; unknown to a bare warehouse conf. */
    record Owner(String pipeline, Set<String> tables) {}

    private final Catalog catalog;
    private final WarehouseDatabases databases;
    private final String database;
    private final String ledgerDatabase;
    private final Optional<Owner> owner;
    private final Predicate<String> tableExists;

    LeftBehindLedger(Catalog catalog, WarehouseDatabases databases, String database, String ledgerDatabase,
            Optional<Owner> owner, Predicate<String> tableExists) {
        this.catalog = catalog;
        this.databases = databases;
        this.database = database;
        this.ledgerDatabase = ledgerDatabase;
        this.owner = owner;
        this.tableExists = tableExists;
    }

    void refuseIfAny() {
        List<String> others;
        try {
            if (holdsLedger(ledgerDatabase)) {
                return;
            }
            others = catalog.listDatabases();
        } catch (RuntimeException e) {
            throw WeirException.badInput("warehouse.ledger-database: cannot look for this warehouse's ledger: listing"
                    + " the catalog's databases failed: " + rootMessage(e));
        }
        for (String other : others) {
            if (!other.equals(ledgerDatabase) && !other.equals(database) && holdsThisWarehousesLedger(other)) {
                throw WeirException.badInput("warehouse.ledger-database: '" + ledgerDatabase + "' holds no ledger, but"
                        + " this warehouse's ledger and seals lie in the database " + other + ". A new ledger database"
                        + " would start empty: every partition would count as never built, and streams would no longer"
                        + " keep out of the partitions batch owns. Keep warehouse.ledger-database: " + other
                        + " for this warehouse (name another only for a new one), or move " + other + "'s tables there first.");
            }
        }
    }

    private boolean holdsLedger(String name) {
        try {
            return catalog.listTables(name).stream().anyMatch(LedgerTableNames.HISTORY::contains);
        } catch (Catalog.DatabaseNotExistException e) {
            return false;
        }
    }

    /**
     * Whether another database of this warehouse holds this pipeline's ledger: its seals name this
     * pipeline's tables in this database, its partition states are this pipeline's (or, the pipeline
     * unknown, name tables this database has), or it is the default database with the legacy table.
     * A database of another warehouse, or one this user may not list, is not. One that holds Weir's
     * tables but cannot be read is refused: an empty ledger must not start beside one not ruled out.
     */
    private boolean holdsThisWarehousesLedger(String other) {
        List<String> tables;
        try {
            if (!databases.liesInWarehouse(other)) {
                return false;
            }
            tables = catalog.listTables(other);
        } catch (Catalog.DatabaseNotExistException | RuntimeException e) {
            LOGGER.debug("cannot list the database {}", other, e);
            return false;
        }
        if (tables.stream().noneMatch(LedgerTableNames.HISTORY::contains)) {
            return false;
        }
        try {
            // Seals name their tables with the database, so they tell two copies of a pipeline apart; the
            // partition states name bare tables, so they decide only where no seal was ever recorded.
            Optional<Boolean> bySeals = tables.contains(Seals.NAME) ? sealsNameThisPipelinesTables(other) : Optional.empty();
            if (bySeals.isPresent()) {
                return bySeals.get();
            }
            if (tables.contains(LedgerTableNames.PARTITION_STATE) && statesAreThisPipelines(other)) {
                return true;
            }
            // Before the ledger database could be named, every ledger lay in the default one.
            return tables.contains(LedgerTableNames.LEGACY_RUNS)
                    && other.equals(io.weir.runner.conf.WarehouseConf.DEFAULT_LEDGER_DATABASE)
                    && !catalog.listTables(database).isEmpty();
        } catch (Catalog.DatabaseNotExistException | Catalog.TableNotExistException e) {
            return false;
        } catch (RuntimeException e) {
            throw WeirException.badInput("warehouse.ledger-database: '" + ledgerDatabase + "' holds no ledger, and the"
                    + " database " + other + " of this warehouse holds Weir's ledger tables that cannot be read: "
                    + rootMessage(e) + ". Weir will not start an empty ledger beside one it cannot rule out: make "
                    + other + " readable, or keep warehouse.ledger-database: " + other + " if the ledger is there.");
        }
    }

    /** Whether the seals name this pipeline's tables; empty when there are none to tell by. */
    private Optional<Boolean> sealsNameThisPipelinesTables(String other) throws Catalog.TableNotExistException {
        Table seals = catalog.getTable(Identifier.create(other, Seals.NAME));
        int column = seals.rowType().getFieldNames().indexOf("table_name");
        if (column < 0) {
            return Optional.empty(); // a table of the user's that happens to be called seals
        }
        List<String> keys = Lake.rows(seals).stream().map(row -> String.valueOf(row.get("table_name"))).toList();
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String prefix = Seals.key(database, "");
        Predicate<String> ours = owner.<Predicate<String>>map(o -> key -> key.startsWith(prefix)
                && o.tables().contains(key.substring(prefix.length()))).orElse(key -> key.startsWith(prefix));
        return Optional.of(keys.stream().anyMatch(ours));
    }

    private boolean statesAreThisPipelines(String other) throws Catalog.TableNotExistException {
        Identifier state = Identifier.create(other, LedgerTableNames.PARTITION_STATE);
        if (!catalog.getTable(state).partitionKeys().equals(List.of("pipeline", "table_name"))) {
            return false; // a table of the user's that happens to be called partition_state
        }
        for (var partition : catalog.listPartitions(state)) {
            String pipeline = partition.spec().get("pipeline");
            String table = partition.spec().get("table_name");
            boolean ours = owner.isPresent() ? owner.get().pipeline().equals(pipeline) && owner.get().tables().contains(table)
                    : table != null && tableExists.test(table);
            if (ours) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
