package io.weir.runner.lake;

import io.weir.runner.WeirException;
import io.weir.runner.conf.WarehouseConf;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ledger database of the conf's choosing, on real Paimon files: used when new, refused when it would leave the old one behind. */
class LedgerDatabaseTest {

    @TempDir Path dir;

    private WarehouseConf warehouse(String name, String ledgerDatabase) {
        return warehouse(name, "dw", ledgerDatabase);
    }

    private WarehouseConf warehouse(String name, String database, String ledgerDatabase) {
        return new WarehouseConf(dir.resolve(name).toUri().toString(), database, Map.of(), ledgerDatabase);
    }

    private static void refused(WarehouseConf warehouse, String ledgerDatabase, String leftBehind) {
        WeirException e = assertThrows(WeirException.class, () -> new Lake(warehouse).close());
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("warehouse.ledger-database: '" + ledgerDatabase + "' holds no ledger, but"
                + " this warehouse's ledger and seals lie in the database " + leftBehind + "."), e.getMessage());
    }

    /** A partition_state table, partitioned as Weir's, with one state of the pipeline's table dws. */
    private static void plantStates(Lake lake, String database, String pipeline) throws Exception {
        createTable(lake, database, LedgerTableNames.PARTITION_STATE, List.of("pipeline", "table_name"),
                Map.of("pipeline", pipeline, "table_name", "dws"));
    }

    private static void createTable(Lake lake, String database, String table, List<String> partitionKeys,
            Map<String, String> row) throws Exception {
        Schema.Builder schema = Schema.newBuilder().partitionKeys(partitionKeys);
        row.keySet().forEach(column -> schema.column(column, DataTypes.STRING()));
        Identifier id = Identifier.create(database, table);
        lake.catalog().createDatabase(database, true);
        lake.catalog().createTable(id, schema.build(), false);
        BatchWriteBuilder write = lake.catalog().getTable(id).newBatchWriteBuilder();
        try (BatchTableWrite writer = write.newWrite(); BatchTableCommit commit = write.newCommit()) {
            writer.write(GenericRow.of(row.values().stream().map(BinaryString::fromString).toArray()));
            commit.commit(writer.prepareCommit());
        }
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

    @Test
    void aLedgerMovedFromAnyNamedDatabaseIsRefusedNotJustFromTheDefault() throws Exception {
        try (Lake lake = new Lake(warehouse("renamed", "weir_a"))) {
            new Seals(lake).open().seal("dws", List.of("20240301"), "run-1");
        }
        refused(warehouse("renamed", "weir_b"), "weir_b", "weir_a");
        refused(warehouse("renamed", WarehouseConf.DEFAULT_LEDGER_DATABASE), "weir", "weir_a");
    }

    @Test
    void aNewDatabaseHoldingTablesButNoLedgerIsStillRefused() throws Exception {
        try (Lake lake = new Lake(warehouse("other-tables", WarehouseConf.DEFAULT_LEDGER_DATABASE))) {
            new Seals(lake).open().seal("dws", List.of("20240301"), "run-1");
            createTable(lake, "dw_weir", "notes", List.of(), Map.of("note", "not a ledger"));
        }
        refused(warehouse("other-tables", "dw_weir"), "dw_weir", "weir");
    }

    @Test
    void aLedgerWithoutSealsIsFoundByTheTablesItsStatesName() throws Exception {
        try (Lake lake = new Lake(warehouse("states", "weir_a"))) {
            plantStates(lake, "weir_a", "p");
            createTable(lake, "dw", "dws", List.of(), Map.of("user_id", "u1"));
        }
        refused(warehouse("states", "weir_b"), "weir_b", "weir_a");
    }

    @Test
    void theLegacyLedgerTableInTheDefaultDatabaseIsFound() throws Exception {
        try (Lake lake = new Lake(warehouse("legacy", WarehouseConf.DEFAULT_LEDGER_DATABASE))) {
            createTable(lake, "weir", LedgerTableNames.LEGACY_RUNS, List.of(), Map.of("run_id", "r1"));
            createTable(lake, "dw", "dws", List.of(), Map.of("user_id", "u1"));
        }
        refused(warehouse("legacy", "dw_weir"), "dw_weir", "weir");
    }

    @Test
    void anotherPipelinesLedgerInTheSameWarehouseIsNoReasonToRefuse() throws Exception {
        try (Lake a = new Lake(warehouse("shared", "dw_a", "weir_a"))) {
            new Seals(a).open().seal("dws", List.of("20240301"), "run-1");
            createTable(a, "dw_a", "dws", List.of(), Map.of("user_id", "u1"));
        }
        try (Lake b = new Lake(warehouse("shared", "dw_b", "weir_b"))) {
            new Seals(b).open().seal("dws", List.of("20240302"), "run-2");
            assertEquals(java.util.Set.of("20240302"), new Seals(b).of("dws"));
        }
        try (Lake a = new Lake(warehouse("shared", "dw_a", "weir_a"))) {
            assertEquals(java.util.Set.of("20240301"), new Seals(a).of("dws"));
        }
    }

    @Test
    void aDatabaseLiesInTheWarehouseOnlyOnItsFileSystemAndUnderItsPath() {
        assertTrue(under("s3://a/wh/weir.db", "s3://a/wh"));
        assertTrue(under("s3a://a/wh/weir.db", "s3://a/wh"), "s3a is a client of the same store");
        assertFalse(under("s3://b/wh/weir.db", "s3://a/wh"), "another bucket");
        assertFalse(under("oss://a/wh/weir.db", "s3://a/wh"), "another store");
        assertTrue(under("hdfs://nn:8020/wh/weir.db", "hdfs:///wh"), "the default name node, spelled out by the metastore");
        assertTrue(under("hdfs://nn:8020/wh/weir.db", "hdfs://nn/wh"), "the default port, left out");
        assertFalse(under("hdfs://nn2:8020/wh/weir.db", "hdfs://nn/wh"), "another name node");
        assertFalse(under("file:/tmp/wh2/weir.db", "file:/tmp/wh/"), "a sibling");
        assertTrue(under("file:/tmp/wh/weir.db", "file:///tmp/wh/"));
        assertTrue(under("/tmp/wh/weir.db", "file:///tmp/wh"), "a location without a scheme");
    }

    /** As the lake compares them: both through Paimon's Path, as a conf or a metastore spells them. */
    private static boolean under(String location, String warehouse) {
        return WarehouseDatabases.under(new org.apache.paimon.fs.Path(location).toUri(), new org.apache.paimon.fs.Path(warehouse).toUri());
    }

    @Test
    void aCopyOfThePipelineOverAnotherDatabaseIsNotRefusedForTheOriginalsLedger() throws Exception {
        // The same pipeline and tables, once over dw with its ledger in weir, once over dw_copy.
        try (Lake lake = pipeline("copies", "dw", WarehouseConf.DEFAULT_LEDGER_DATABASE)) {
            new Seals(lake).open().seal("dws", List.of("20240301"), "run-1");
            plantStates(lake, "weir", "p");
            createTable(lake, "dw", "dws", List.of(), Map.of("user_id", "u1"));
        }
        try (Lake copy = pipeline("copies", "dw_copy", "weir_copy")) {
            createTable(copy, "dw_copy", "dws", List.of(), Map.of("user_id", "u2"));
        }
        try (Lake copy = pipeline("copies", "dw_copy", "weir_copy")) {
            assertTrue(copy.catalog().listTables("dw_copy").contains("dws"), "opened again, beside the original's ledger");
        }
        // The original itself, renamed, is still refused: its seals name dw's tables.
        WeirException e = assertThrows(WeirException.class, () -> pipeline("copies", "dw", "weir_b").close());
        assertTrue(e.getMessage().contains("lie in the database weir."), e.getMessage());
    }

    @Test
    void aLedgerWithoutSealsIsThisPipelinesWhenItsStatesAre() throws Exception {
        try (Lake lake = new Lake(warehouse("states-of", "weir_a"))) {
            plantStates(lake, "weir_a", "other");
            createTable(lake, "dw", "dws", List.of(), Map.of("user_id", "u1"));
        }
        try (Lake lake = pipeline("states-of", "dw", "weir_b")) {
            assertTrue(lake.catalog().listTables("dw").contains("dws"), "another pipeline's states are no reason to refuse");
        }
        try (Lake lake = new Lake(warehouse("states-of", "weir_a"))) {
            plantStates(lake, "weir_c", "p");
        }
        WeirException e = assertThrows(WeirException.class, () -> pipeline("states-of", "dw", "weir_b").close());
        assertTrue(e.getMessage().contains("lie in the database weir_c."), e.getMessage());
    }

    /** The warehouse of a pipeline named p with one layer writing the table dws. */
    private Lake pipeline(String name, String database, String ledgerDatabase) {
        return new Lake(warehouse(name, database, ledgerDatabase),
                java.util.Optional.of(new LeftBehindLedger.Owner("p", java.util.Set.of("dws"))));
    }
}
