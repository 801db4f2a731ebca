package io.weir.scheduler;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.StreamFixture;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.RunningStream;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.HiveMetastore;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example warehouse with its tables in a real Hive Metastore (3.1.3, embedded Derby, its own
 * JVM): the stream, a backfill, a scheduled run, the ledger and status work against it, and the metastore lists
 * every table and partition Weir wrote, also after the metastore and Weir restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HiveMetastoreCatalogTest {

    private static final String DS = "20230215";
    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @TempDir static Path dir;
    static HiveMetastore metastore;
    static StreamFixture fx;

    @BeforeAll
    static void start() throws Exception {
        metastore = HiveMetastore.start(dir.resolve("metastore"));
        fx = StreamFixture.start(dir, sections -> sections.replace("warehouse:\n",
                "warehouse:\n  metastore:\n    type: hive\n    uri: " + metastore.uri() + "\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (fx != null) {
                fx.close();
            }
        } finally {
            metastore.close();
        }
    }

    @Test
    @Order(1)
    void theStreamAndABackfillRegisterTablesAndPartitionsThatTheMetastoreLists() throws Exception {
        RunningStream stream = fx.stream(fx.conf.layers());
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_users", "user_id", DS).equals(mysqlTotals());
        }, () -> "dws_users=" + Totals.of(fx.lake, "dws_users", "user_id", DS) + " mysql=" + mysqlTotals());
        fx.sealTheSampleDay(TIMEOUT);
        stream.cancel();

        Renderer renderer = new Renderer(fx.conf);
        Ledger ledger = new Ledger(fx.lake);
        BackfillResult result = new BackfillRunner(fx.conf, fx.session, renderer, fx.lake, ledger).run(
                new BackfillPlanner(fx.conf, renderer, fx.lake, ledger)
                        .plan(new BackfillRequest("dws_users", D, D, false, 1, 1, true, true)),
                1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(mysqlTotals(), Totals.of(fx.lake, "dws_users", "user_id", DS));

        // A scheduled run of dws_shops' day, through the same catalog.
        String layers = TestConfs.exampleLayers().replace("    template: dws_shops.sql\n", "    template: dws_shops.sql\n"
                + "    schedule: { cron: '0/1 * * * * ?', start-date: 2023-02-15, end-date: 2023-02-15 }\n");
        assertTrue(layers.contains("schedule:"), layers);
        String sections = TestConfs.standardSections(dir, fx.mariaDb.port(), SampleSource.DATABASE)
                .replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: " + metastore.uri() + "\n")
                + "scheduler:\n  dir: " + dir.resolve("scheduler") + "\n  poll-interval: 200ms\n";
        PipelineConf scheduled = TestConfs.load(TestConfs.write(dir.resolve("scheduled"), sections, layers));
        RecordingEvents events = new RecordingEvents();
        try (WeirScheduler scheduler = WeirScheduler.start(scheduled, fx.session, fx.lake, events, Clock.systemUTC())) {
            Await.until(TIMEOUT, () -> ledger.latest(scheduled.name(), "dws_shops", DS)
                    .map(e -> e.status() == RunStatus.DONE && e.mode().equals("schedule")).orElse(false),
                    () -> events.lines().subList(Math.max(0, events.lines().size() - 3), events.lines().size()).toString());
        }

        HiveMetaStoreClient client = client();
        try {
            assertTrue(client.listPartitionNames("order_dw", "dws_shops", (short) -1).contains("ds=" + DS),
                    "the scheduled run's partition is registered");
            List<String> tables = client.getAllTables("order_dw");
            for (String table : List.of("ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders", "dws_users",
                    "dws_shops")) {
                assertTrue(tables.contains(table), table + " is registered: " + tables);
            }
            assertTrue(client.listPartitionNames("order_dw", "dws_users", (short) -1).contains("ds=" + DS),
                    "the stream's and the backfill's partition is registered");
            assertTrue(client.listPartitionNames("order_dw", "ods_orders", (short) -1).contains("ds=" + DS));
            assertTrue(client.getAllTables("weir").containsAll(List.of("run_log", "partition_state")),
                    "the ledger is registered too: " + client.getAllTables("weir"));
        } finally {
            client.close();
        }
        LedgerEntry entry = ledger.latest(fx.conf.name(), "dws_users", DS).orElseThrow();
        assertEquals(RunStatus.DONE, entry.status());

        StatusReport report = new StatusCollector(fx.conf, fx.lake, Clock.systemUTC()).collect();
        assertTrue(report.tables().stream().anyMatch(t -> t.table().equals("dws_users")), report.tables().toString());
    }

    @Test
    @Order(2)
    void afterTheMetastoreAndWeirRestartTheTablesAreFoundAgain() throws Exception {
        Map<String, BigDecimal> before = Totals.of(fx.lake, "dws_users", "user_id", DS);
        int port = metastore.port();
        metastore.close();
        metastore = HiveMetastore.start(dir.resolve("metastore"), port);
        PipelineConf conf = TestConfs.load(fx.conf.file());
        try (Lake lake = new Lake(conf.warehouse())) {
            assertEquals(before, Totals.of(lake, "dws_users", "user_id", DS));
            assertEquals(RunStatus.DONE, new Ledger(lake).latest(conf.name(), "dws_users", DS).orElseThrow().status());
        }
        HiveMetaStoreClient client = client();
        try {
            assertTrue(client.listPartitionNames("order_dw", "dws_users", (short) -1).contains("ds=" + DS));
        } finally {
            client.close();
        }

        // The same metastore described by a hive-site.xml, as a highly available one is: two uris, the first dead.
        Path hiveConf = Files.createDirectories(dir.resolve("hive-conf"));
        Files.writeString(hiveConf.resolve("hive-site.xml"), "<configuration><property><name>hive.metastore.uris</name>"
                + "<value>thrift://127.0.0.1:1," + metastore.uri() + "</value></property></configuration>");
        String text = Files.readString(fx.conf.file());
        assertTrue(text.contains("    uri: " + metastore.uri() + "\n"), text);
        Path haConf = dir.resolve("ha").resolve("pipeline.yaml");
        Files.createDirectories(haConf.getParent());
        Files.writeString(haConf, text.replace("    uri: " + metastore.uri() + "\n", "    hive-conf-dir: " + hiveConf + "\n"));
        PipelineConf ha = TestConfs.load(haConf);
        try (Lake lake = new Lake(ha.warehouse())) {
            assertEquals(before, Totals.of(lake, "dws_users", "user_id", DS));
            assertEquals(RunStatus.DONE, new Ledger(lake).latest(ha.name(), "dws_users", DS).orElseThrow().status());
        }

        // The same metastore by its IPv6 loopback address, in brackets as the README says.
        Path v6Conf = dir.resolve("ipv6").resolve("pipeline.yaml");
        Files.createDirectories(v6Conf.getParent());
        Files.writeString(v6Conf, text.replace("    uri: " + metastore.uri() + "\n",
                "    uri: thrift://[::1]:" + metastore.port() + "\n"));
        PipelineConf v6 = TestConfs.load(v6Conf);
        try (Lake lake = new Lake(v6.warehouse())) {
            assertEquals(before, Totals.of(lake, "dws_users", "user_id", DS));
            assertEquals(RunStatus.DONE, new Ledger(lake).latest(v6.name(), "dws_users", DS).orElseThrow().status());
        }
    }

    @Test
    @Order(3)
    void anUnreachableMetastoreIsAClearErrorNamingTheKey() throws Exception {
        Path other = dir.resolve("unreachable");
        String sections = TestConfs.standardSections(other, fx.mariaDb.port(), SampleSource.DATABASE)
                .replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: thrift://127.0.0.1:1\n");
        PipelineConf conf = TestConfs.load(TestConfs.write(other, sections));
        WeirException e = assertThrows(WeirException.class, () -> new Lake(conf.warehouse()).close());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot reach the Hive Metastore at thrift://127.0.0.1:1"
                + " (warehouse.metastore.uri): "), e.getMessage());
    }

    @Test
    @Order(4)
    void aSecondWarehouseIsRefusedTheDatabasesTheFirstRegistered() throws Exception {
        Path other = dir.resolve("second-warehouse");
        String sections = TestConfs.standardSections(other, fx.mariaDb.port(), SampleSource.DATABASE)
                .replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: " + metastore.uri() + "\n");
        PipelineConf conf = TestConfs.load(TestConfs.write(other, sections));
        WeirException e = assertThrows(WeirException.class, () -> new Lake(conf.warehouse()).close());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("the database order_dw of the Hive Metastore at " + metastore.uri()
                + " (warehouse.metastore.uri) lies at ") && e.getMessage().contains("outside this warehouse (")
                && e.getMessage().endsWith("Give this one its own warehouse.database."), e.getMessage());

        PipelineConf ownDatabase = TestConfs.load(TestConfs.write(other, sections.replaceFirst("\n  database: order_dw\n",
                "\n  database: second_dw\n")));
        WeirException ledger = assertThrows(WeirException.class, () -> new Lake(ownDatabase.warehouse()).close());
        assertTrue(ledger.getMessage().startsWith("the database weir of the Hive Metastore")
                && ledger.getMessage().endsWith("give this one its own warehouse.ledger-database."), ledger.getMessage());
        HiveMetaStoreClient client = client();
        try {
            assertFalse(client.getAllDatabases().contains("second_dw"), "nothing was registered");
        } finally {
            client.close();
        }

        // With a ledger database of its own, the second warehouse shares the metastore: a backfill
        // through staging writes its layer, staging and ledger there, and the first one's ledger is untouched.
        int firstLedger = new Ledger(fx.lake).entries().size();
        PipelineConf second = TestConfs.load(TestConfs.write(other, sections.replaceFirst("\n  database: order_dw\n",
                "\n  database: second_dw\n  ledger-database: second_weir\n")));
        try (Lake lake = new Lake(second.warehouse())) {
            Renderer renderer = new Renderer(second);
            Ledger secondLedger = new Ledger(lake);
            BackfillPlan plan = new BackfillPlanner(second, renderer, lake, secondLedger)
                    .plan(new BackfillRequest("ods_product_catalog", D, D, false, 1, 1, true, true));
            String staging = plan.layers().get(0).chunks().get(0).rendered().staging().orElseThrow().table();
            assertTrue(staging.contains("`second_weir`.`stg_ods_product_catalog"), staging);
            BackfillResult result = new BackfillRunner(second, fx.session, renderer, lake, secondLedger).run(plan, 1,
                    BackfillProgress.NONE);
            assertTrue(result.succeeded(), result.failures().toString());
            assertEquals(fx.lake.rows("ods_product_catalog").size(), lake.rows("ods_product_catalog").size());
            assertEquals(RunStatus.DONE, secondLedger.latest(second.name(), "ods_product_catalog", "").orElseThrow().status());
        }
        assertEquals(firstLedger, new Ledger(fx.lake).entries().size(), "the first warehouse's ledger is its own");
        HiveMetaStoreClient after = client();
        try {
            assertTrue(after.getAllDatabases().containsAll(List.of("second_dw", "second_weir")), after.getAllDatabases().toString());
            assertTrue(after.getDatabase("second_weir").getLocationUri().contains("second-warehouse"),
                    after.getDatabase("second_weir").getLocationUri());
            assertTrue(after.getAllTables("second_weir").containsAll(List.of("run_log", "partition_state")),
                    after.getAllTables("second_weir").toString());
            assertTrue(after.getAllTables("second_weir").stream().noneMatch(t -> t.startsWith("stg_")),
                    "the staging table was dropped: " + after.getAllTables("second_weir"));
        } finally {
            after.close();
        }
    }

    private static HiveMetaStoreClient client() throws Exception {
        HiveConf hive = new HiveConf();
        hive.set("hive.metastore.uris", metastore.uri());
        return new HiveMetaStoreClient(hive);
    }

    private static Map<String, BigDecimal> mysqlTotals() {
        try {
            return SampleSource.userTotalsByPayDay(fx.mariaDb).getOrDefault(DS, Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
