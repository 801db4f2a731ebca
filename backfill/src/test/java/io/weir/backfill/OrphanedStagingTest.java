package io.weir.backfill;

import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A killed run's staging table is dropped by the next run; a live run's, a verify's and others' are kept. */
class OrphanedStagingTest {

    @TempDir Path dir;

    @Test
    void dropsOnlyTheStagingOfRunsThatNoLiveProcessOwns() throws Exception {
        // The ledger in a database of its own choosing; the default one holds another warehouse's staging.
        try (Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of(),
                "dw_weir"))) {
            Ledger ledger = new Ledger(lake).open();
            assertEquals(List.of(), OrphanedStaging.drop(lake, ledger), "no staging table yet");
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            LedgerEntry live = new LedgerEntry("20240301-100000-a1a1", "ods_orders", "20240301", "p", "ods_orders",
                    "backfill", "2024-03-01", "2024-03-01", "hash", "{}", 0, RunStatus.RUNNING, null, t, null, null)
                    .withLease(new Lease(Lease.currentOwner(), Instant.now()));
            LedgerEntry dead = new LedgerEntry("20240301-090000-d0d0", "ods_orders", "20240302", "p", "ods_orders",
                    "backfill", "2024-03-02", "2024-03-02", "hash", "{}", 0, RunStatus.RUNNING, null, t, null, null)
                    .withLease(new Lease(Lease.currentOwner().replaceAll(":\\d+$", ":" + Integer.MAX_VALUE), Instant.now()));
            ledger.record(List.of(live, dead));

            lake.catalog().createDatabase("dw_weir", true);
            lake.catalog().createDatabase("weir", true);
            Identifier others = Identifier.create("weir", "stg_ods_orders_20240302_20240302_d0d0_0");
            lake.catalog().createTable(others, Schema.newBuilder().column("k", DataTypes.STRING()).build(), false);
            for (String table : List.of("stg_ods_orders_20240301_20240301_a1a1_0", "stg_ods_orders_20240302_20240302_d0d0_0",
                    "stg_ods_orders_20240303_20240303_ffff_3", "stg_ods_orders_20240301_20240301_verify_5e5e5e5e",
                    "customer_table")) {
                lake.catalog().createTable(Identifier.create("dw_weir", table),
                        Schema.newBuilder().column("k", DataTypes.STRING()).build(), false);
            }
            assertEquals(List.of("dw_weir.stg_ods_orders_20240302_20240302_d0d0_0",
                    "dw_weir.stg_ods_orders_20240303_20240303_ffff_3"),
                    OrphanedStaging.drop(lake, ledger).stream().sorted().toList());
            assertEquals(List.of("customer_table", "stg_ods_orders_20240301_20240301_a1a1_0",
                    "stg_ods_orders_20240301_20240301_verify_5e5e5e5e"),
                    lake.catalog().listTables("dw_weir").stream()
                            .filter(name -> !name.equals("run_log") && !name.equals("partition_state")).sorted().toList(),
                    "the live run's staging, a verify's and a table Weir did not name are kept, as is the ledger");
            assertEquals(List.of(others.getObjectName()), lake.catalog().listTables("weir"),
                    "another ledger database is not this pipeline's to clean");
            assertNull(OrphanedStaging.tokenOf("stg_x_verify_1234abcd"));
        }
    }
}
