package io.weir.runner.lake;

import io.weir.runner.WeirException;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.predicate.PredicateBuilder;
import org.apache.paimon.table.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Refuses a ledger database that would leave this warehouse's ledger behind. Named anew on a
 * warehouse whose ledger lies in another database, it would start empty: every partition would count
 * as never built, and the seals that keep streams out of partitions batch owns would be gone, so a
 * stream's stale state could overwrite them again.
 */
final class LeftBehindLedger {

    private static final Logger LOGGER = LoggerFactory.getLogger(LeftBehindLedger.class);

    private final Catalog catalog;
    private final WarehouseDatabases databases;
    private final String database;
    private final String ledgerDatabase;
    private final java.util.function.Predicate<String> tableExists;

    LeftBehindLedger(Catalog catalog, WarehouseDatabases databases, String database, String ledgerDatabase,
            java.util.function.Predicate<String> tableExists) {
        this.catalog = catalog;
        this.tableExists = tableExists;
        this.databases = databases;
        this.database = database;
        this.ledgerDatabase = ledgerDatabase;
    }

    void refuseIfAny() {
        if (holdsLedger(ledgerDatabase)) {
            return;
        }
        for (String other : catalog.listDatabases()) {
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
     * Whether another database of this warehouse holds the ledger of this conf's database: its seals
     * name this database's tables, or its partition states tables this database has. A database of
     * another warehouse, or one this user may not read, is not.
     */
    private boolean holdsThisWarehousesLedger(String other) {
        try {
            if (!databases.liesInWarehouse(other)) {
                return false;
            }
            List<String> tables = catalog.listTables(other);
            if (tables.contains(Seals.NAME) && sealsNameThisDatabase(other)) {
                return true;
            }
            if (tables.contains(LedgerTableNames.PARTITION_STATE) && statesNameTablesOfThisDatabase(other)) {
                return true;
            }
            // Before the ledger database could be named, every ledger lay in the default one.
            return tables.contains(LedgerTableNames.LEGACY_RUNS) && other.equals(io.weir.runner.conf.WarehouseConf.DEFAULT_LEDGER_DATABASE)
                    && !catalog.listTables(database).isEmpty();
        } catch (Catalog.DatabaseNotExistException | Catalog.TableNotExistException | RuntimeException e) {
            LOGGER.debug("cannot look for a ledger in the database {}", other, e);
            return false;
        }
    }

    private boolean sealsNameThisDatabase(String other) throws Catalog.TableNotExistException {
        Table seals = catalog.getTable(Identifier.create(other, Seals.NAME));
        String prefix = Seals.key(database, "");
        int column = seals.rowType().getFieldNames().indexOf("table_name");
        var startsWith = new PredicateBuilder(seals.rowType()).startsWith(column, BinaryString.fromString(prefix));
        return Lake.rows(seals, startsWith, Map.of()).stream()
                .anyMatch(row -> String.valueOf(row.get("table_name")).startsWith(prefix));
    }

    private boolean statesNameTablesOfThisDatabase(String other) throws Catalog.TableNotExistException {
        for (var partition : catalog.listPartitions(Identifier.create(other, LedgerTableNames.PARTITION_STATE))) {
            String table = partition.spec().get("table_name");
            if (table != null && tableExists.test(table)) {
                return true;
            }
        }
        return false;
    }
}
