package io.weir.runner.lake;

import io.weir.runner.WeirException;
import io.weir.runner.conf.WarehouseConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ledger database of the conf's choosing, on real Paimon files: used when new, refused when it would leave the old one behind. */
class LedgerDatabaseTest {

    @TempDir Path dir;

    private WarehouseConf warehouse(String name, String ledgerDatabase) {
        return new WarehouseConf(dir.resolve(name).toUri().toString(), "dw", Map.of(), ledgerDatabase);
    }

    @Test
    void aNewWarehouseKeepsWeirsTablesInTheNamedDatabase() throws Exception {
        try (Lake lake = new Lake(warehouse("new", "dw_weir"))) {
            new Seals(lake).open().seal("dws", List.of("20240301"), "run-1");
            assertEquals(List.of("seals"), lake.catalog().listTables("dw_weir"));
            assertTrue(lake.catalog().listDatabases().stream().noneMatch("weir"::equals), lake.catalog().listDatabases().toString());
        }
        try (Lake again = new Lake(warehouse("new", "dw_weir"))) {
            assertEquals(java.util.Set.of("20240301"), new Seals(again).of("dws"));
        }
    }

    @Test
    void aWarehouseWhoseLedgerLiesInTheDefaultDatabaseRefusesAnEmptyNewOne() throws Exception {
        try (Lake lake = new Lake(warehouse("old", WarehouseConf.DEFAULT_LEDGER_DATABASE))) {
            new Seals(lake).open().seal("dws", List.of("20240301"), "run-1");
        }
        WeirException e = assertThrows(WeirException.class, () -> new Lake(warehouse("old", "dw_weir")).close());
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("warehouse.ledger-database: 'dw_weir' holds no ledger, but this warehouse's"
                + " ledger and seals lie in the database weir.") && e.getMessage().contains("streams would no longer keep out"),
                e.getMessage());
        try (Lake lake = new Lake(warehouse("old", WarehouseConf.DEFAULT_LEDGER_DATABASE))) {
            assertEquals(java.util.Set.of("20240301"), new Seals(lake).of("dws"), "nothing was lost or created");
            assertTrue(lake.catalog().listDatabases().stream().noneMatch("dw_weir"::equals));
        }
    }
}
