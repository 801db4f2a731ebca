package io.weir.runner.serving;

import io.weir.runner.Await;
import io.weir.runner.SampleServing;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PendingResyncs;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.ResyncSweep;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Serving on real components: the Hologres connector writes into a real PostgreSQL (embedded
 * binaries) carrying the project's Hologres emulation. Seed 000's point query answers after
 * streaming, an outage of the serving store loses no update, and bad endpoints are named.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingTest {

    private static final String PASSWORD = SampleServing.PASSWORD;
    private static final String POINT_QUERY =
            "SELECT * FROM dws_users WHERE user_id = 'user_001' AND ds = '20230215'";
    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static EmbeddedPostgres postgres;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        postgres = SampleServing.start(dir);
        postgres.createDatabase("plain");
        conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                .replace("restart-attempts: 0", "restart-attempts: 40\n  restart-delay: 2s")
                + serving(postgres.port(), "weir", "public")));
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
    }

    @AfterAll
    static void stop() throws Exception {
        if (stream != null) {
            stream.cancel();
        }
        lake.close();
        session.close();
        postgres.close();
        mariaDb.close();
    }

    static String serving(int port, String database, String schema) {
        return SampleServing.section(port, database, schema);
    }

    @Test
    @Order(1)
    void thePointQueryAnswersFromTheStreamedServingTable() throws Exception {
        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return "8000.08".equals(pointQuery());
        }, () -> "point query: " + pointQuery());
        // The serving table was created from the lake schema, key kept.
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT data_type FROM information_schema.columns"
                        + " WHERE table_name = 'dws_users' AND column_name = 'paied_buy_fee_sum'")) {
            assertTrue(rs.next());
            assertEquals("numeric", rs.getString(1));
        }
        // user_001 paid 5000.05 + 2000.02 + 1000.01 on 20230215; the first order now costs 2000.00.
        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = 2000.00, update_time = '2023-02-15 19:00:00'"
                + " WHERE order_id = 100001");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return "5000.03".equals(pointQuery()) && serving("dws_users").equals(lakeRows("dws_users"))
                    && serving("dws_shops").equals(lakeRows("dws_shops"));
        }, () -> "point query " + pointQuery() + "; serving " + serving("dws_users") + " lake " + lakeRows("dws_users"));
        // The sync job records how far it has read, in the lake table: past every commit it has served.
        org.apache.paimon.table.FileStoreTable users = lake.table("dws_users");
        long served = users.snapshotManager().latestSnapshotId();
        Await.until(TIMEOUT, () -> users.consumerManager().consumer("weir-serving-" + conf.name())
                .filter(c -> c.nextSnapshot() > served).isPresent(),
                () -> "read position " + users.consumerManager().consumer("weir-serving-" + conf.name())
                        .map(c -> c.nextSnapshot()) + ", served up to snapshot " + served);
    }

    @Test
    @Order(2)
    void anOutageOfTheServingStoreLosesNoUpdate() throws Exception {
        postgres.stop();
        SampleSource.keepChanging(mariaDb, Duration.ofSeconds(30), 700000, 8000);
        postgres.restart();
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return serving("dws_users").equals(lakeRows("dws_users")) && serving("dws_shops").equals(lakeRows("dws_shops"))
                    && lakeRows("dws_users").equals(mysqlTotals()) && lakeRows("dws_shops").equals(mysqlShopTotals());
        }, () -> "serving " + serving("dws_users") + " lake " + lakeRows("dws_users") + " mysql " + mysqlTotals()
                + "; shops lake " + lakeRows("dws_shops") + " mysql " + mysqlShopTotals());
    }

    @Test
    @Order(3)
    void aServingTableThatDoesNotMatchTheLakeIsRefused() throws Exception {
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS wrong");
            s.execute("CREATE TABLE IF NOT EXISTS wrong.dws_users (user_id text NOT NULL, ds text NOT NULL,"
                    + " paied_buy_fee_sum text, PRIMARY KEY (user_id))");
        }
        PipelineConf wrong = TestConfs.load(TestConfs.write(dir.resolve("wrong"),
                TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE) + serving(postgres.port(), "weir", "wrong")));
        WeirException e = assertThrows(WeirException.class, () -> new ServingSync(wrong, lake).ensureTables());
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("serving table wrong.dws_users at 127.0.0.1:" + postgres.port()
                + "/weir does not match lake table dws_users: "), e.getMessage());
        assertTrue(e.getMessage().contains("column paied_buy_fee_sum is text, the lake has numeric(20,2)"), e.getMessage());
        assertTrue(e.getMessage().contains("primary key is (user_id), the lake's is (user_id, ds)"), e.getMessage());
    }

    @Test
    @Order(4)
    void badEndpointsAreNamedWithoutThePassword() throws Exception {
        WeirException unreachable;
        int closedPort;
        // Bound but never listening: connections are refused, and nothing else can take the port meanwhile.
        try (java.net.Socket reserved = new java.net.Socket()) {
            reserved.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            closedPort = reserved.getLocalPort();
            unreachable = refused(serving(closedPort, "weir", "public"));
        }
        assertTrue(unreachable.getMessage().startsWith("serving table public.dws_users at 127.0.0.1:" + closedPort
                + "/weir: cannot connect: the endpoint is unreachable"), unreachable.getMessage());

        WeirException wrongPassword = refused(serving(postgres.port(), "weir", "public")
                .replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "${env:WEIR_TEST_WRONG_PASSWORD}"));
        assertTrue(wrongPassword.getMessage().contains("at 127.0.0.1:" + postgres.port()
                + "/weir: cannot connect: authentication failed for user weir"), wrongPassword.getMessage());

        WeirException noFixture = refused(serving(postgres.port(), "plain", "public"));
        assertTrue(noFixture.getMessage().contains("/plain: the endpoint is not Hologres: it has no hg_version()"),
                noFixture.getMessage());
        for (WeirException e : new WeirException[] {unreachable, wrongPassword, noFixture}) {
            assertEquals(WeirException.BAD_INPUT, e.exitCode());
            assertFalse(e.getMessage().contains(PASSWORD) || e.getMessage().contains("not-the-password"), e.getMessage());
        }

        // A stream whose serving store refuses it starts no layer's job: they ran and checkpointed before.
        Path file = TestConfs.write(dir.resolve("wrong-stream"), TestConfs.standardSections(dir, mariaDb.port(),
                SampleSource.DATABASE).replace("name: test", "name: wrong_password")
                .replace(dir.resolve("state").toUri().toString(), dir.resolve("wrong-state").toUri().toString())
                + serving(postgres.port(), "weir", "public").replace("${env:WEIR_TEST_MYSQL_PASSWORD}",
                        "${env:WEIR_TEST_WRONG_PASSWORD}"));
        PipelineConf wrongStream = new io.weir.runner.conf.PipelineConfLoader(io.weir.runner.conf.PipelineConfLoader
                .environmentWith(Map.of("WEIR_TEST_MYSQL_PASSWORD", PASSWORD, "WEIR_TEST_WRONG_PASSWORD",
                        "not-the-password"))).load(file);
        WeirException refusedStream = assertThrows(WeirException.class,
                () -> new StreamRunner(wrongStream, session).start(wrongStream.layers(), false));
        assertEquals(WeirException.BAD_INPUT, refusedStream.exitCode());
        assertTrue(refusedStream.getMessage().contains("cannot connect: authentication failed for user weir"),
                refusedStream.getMessage());
        assertEquals(List.of(), session.jobs().list().stream().filter(j -> j.identity()
                .map(i -> i.pipeline().equals("wrong_password")).orElse(false)).toList(),
                "no job of the refused stream was submitted");
    }

    /**
     * A sync job stopped with a savepoint by a Weir whose source recorded no read position resumes
     * from that savepoint with this Weir's SQL, which records one: the source's operators are the same.
     */
    @Test
    @Order(5)
    void aSyncJobSavedWithoutAReadPositionResumesAndRecordsOne() throws Exception {
        String savepoints = stream.layers().stream().filter(l -> l.layer().name().equals("serve_dws_users"))
                .findFirst().orElseThrow().savepointsDir();
        stream.stopWithSavepoints(Duration.ofMinutes(2));
        stream = null;
        ServingSync sync = new ServingSync(conf, lake);
        java.util.List<String> earlier = sync.identityStatements("dws_users");
        assertTrue(earlier.stream().noneMatch(x -> x.contains("consumer-id"))
                && sync.streamStatements("dws_users").stream().anyMatch(x -> x.contains("'consumer-id'")));
        var tEnv = session.tableEnvironment(org.apache.flink.api.common.RuntimeExecutionMode.STREAMING,
                new org.apache.flink.configuration.Configuration());
        earlier.subList(0, earlier.size() - 1).forEach(tEnv::executeSql);
        org.apache.flink.core.execution.JobClient job = tEnv.executeSql(earlier.get(earlier.size() - 1))
                .getJobClient().orElseThrow();
        // RUNNING comes before its tasks run: a savepoint is tried until they take it.
        java.util.concurrent.atomic.AtomicReference<String> taken = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<String> lastError = new java.util.concurrent.atomic.AtomicReference<>();
        Await.until(TIMEOUT, () -> {
            try {
                taken.set(job.stopWithSavepoint(false, savepoints, org.apache.flink.core.execution.SavepointFormatType.CANONICAL)
                        .get(2, java.util.concurrent.TimeUnit.MINUTES));
                return true;
            } catch (Exception e) {
                lastError.set(e.toString());
                return false;
            }
        }, () -> "the earlier sync job did not stop with a savepoint: " + lastError.get());
        String savepoint = taken.get();

        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        String restoredFrom = stream.layers().stream().filter(l -> l.layer().name().equals("serve_dws_users"))
                .findFirst().orElseThrow().restoredFrom().orElseThrow();
        assertTrue(restoredFrom.endsWith(savepoint.substring(savepoint.lastIndexOf('/'))), restoredFrom + " vs " + savepoint);
        long before = lake.table("dws_users").snapshotManager().latestSnapshotId();
        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = buy_fee + 1, update_time = NOW() WHERE order_id = 100002");
        org.apache.paimon.table.FileStoreTable users = lake.table("dws_users");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return serving("dws_users").equals(lakeRows("dws_users")) && lakeRows("dws_users").equals(mysqlTotals())
                    && users.consumerManager().consumer("weir-serving-" + conf.name())
                            .filter(c -> c.nextSnapshot() > before).isPresent();
        }, () -> "serving " + serving("dws_users") + " lake " + lakeRows("dws_users") + " mysql " + mysqlTotals());
    }

    @Test
    @Order(6)
    void aRunningStreamSettlesWhatABackfillLeftPending() throws Exception {
        // A backfill ended while the sync job was down: its partition is pending, and serving holds a row the lake has not.
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO public.dws_users (user_id, ds, paied_buy_fee_sum) VALUES ('user_gone', '20230215', 1.00)");
        }
        assertTrue(serving("dws_users").containsKey("user_gone/20230215"));
        PendingResyncs pending = new PendingResyncs(lake);
        long overwrite = lake.table("dws_users").snapshotManager().latestSnapshotId();
        pending.record("dws_users", List.of("20230215"), overwrite);
        pending.record("dws_users", List.of("20230216"), overwrite + 1_000_000);
        List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        // Its first poll is due at once; later ones once per liveness span.
        java.time.Clock due = java.time.Clock.offset(java.time.Clock.systemUTC(), ServingSync.liveness(conf).negated());
        try (ResyncSweep sweep = new ResyncSweep(conf, List.of("dws_users"), due, said::add)) {
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                sweep.poll();
                return !pending.of("dws_users").containsKey("20230215");
            }, () -> "still pending: " + pending.of("dws_users") + "; read position " + lake.table("dws_users")
                    .consumerManager().consumer("weir-serving-" + conf.name()).map(c -> c.nextSnapshot()));
        }
        assertEquals(serving("dws_users"), lakeRows("dws_users"), "the partition was replaced with the lake's rows");
        assertEquals(List.of("Serving dws_users: partitions [20230215] replaced again (the sync job read past their overwrite)"),
                said);
        assertEquals(Map.of("20230216", overwrite + 1_000_000), pending.of("dws_users"),
                "a partition the job has not read past stays pending");
        pending.settle("dws_users", pending.of("dws_users"));
    }

    private static WeirException refused(String servingSection) {
        Path file = TestConfs.write(dir.resolve("bad" + System.nanoTime()),
                TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE) + servingSection);
        PipelineConf bad = new io.weir.runner.conf.PipelineConfLoader(io.weir.runner.conf.PipelineConfLoader.environmentWith(
                Map.of("WEIR_TEST_MYSQL_PASSWORD", PASSWORD, "WEIR_TEST_WRONG_PASSWORD", "not-the-password"))).load(file);
        return assertThrows(WeirException.class, () -> new ServingSync(bad, lake).ensureTables());
    }

    static String pointQuery() {
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(POINT_QUERY)) {
            return rs.next() ? rs.getBigDecimal("paied_buy_fee_sum").toPlainString() : null;
        } catch (Exception e) {
            return e.toString();
        }
    }

    static Map<String, BigDecimal> serving(String table) {
        Map<String, BigDecimal> rows = new TreeMap<>();
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM public." + table)) {
            while (rs.next()) {
                rows.put(rs.getString(1) + "/" + rs.getString("ds"), rs.getBigDecimal("paied_buy_fee_sum"));
            }
        } catch (Exception e) {
            rows.put("error", BigDecimal.ZERO);
        }
        return rows;
    }

    static Map<String, BigDecimal> lakeRows(String table) {
        Map<String, BigDecimal> rows = new TreeMap<>();
        for (Map<String, Object> row : lake.rows(table)) {
            rows.put(row.values().iterator().next() + "/" + row.get("ds"), (BigDecimal) row.get("paied_buy_fee_sum"));
        }
        return rows;
    }

    private static Map<String, BigDecimal> mysqlShopTotals() {
        return mysqlTotalsBy("o.shop_id");
    }

    private static Map<String, BigDecimal> mysqlTotals() {
        return mysqlTotalsBy("o.user_id");
    }

    /** MySQL's own aggregate of paid orders per key and payment day, keyed as {@link #serving} keys rows. */
    private static Map<String, BigDecimal> mysqlTotalsBy(String key) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + key + ", DATE_FORMAT(p.create_time, '%Y%m%d'), SUM(o.buy_fee)"
                        + " FROM orders o JOIN orders_pay p ON o.order_id = p.order_id GROUP BY 1, 2")) {
            while (rs.next()) {
                totals.put(rs.getString(1) + "/" + rs.getString(2), rs.getBigDecimal(3));
            }
        } catch (Exception e) {
            totals.put("error", BigDecimal.ZERO);
        }
        return totals;
    }
}
