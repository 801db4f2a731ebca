package io.weir.runner.serving;

import io.weir.runner.Await;
import io.weir.runner.SampleServing;
import io.weir.runner.SampleSource;
import io.weir.runner.StreamFixture;
import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.RunningStream;
import io.weir.sandbox.EmbeddedMariaDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serving.type: jdbc} on real components: a second MariaDB server is the MySQL-protocol
 * serving store (as TiDB would be), written by Flink's JDBC connector. The stream's upserts and
 * deletes arrive, a partition is replaced in one transaction, an outage of 30 s loses nothing, and
 * bad stores are named without the password.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JdbcServingTest {

    private static final String DATABASE = "serving";
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final List<String> TABLES = List.of("dws_users", "dws_shops", "ods_orders");

    @TempDir static Path dir;
    static EmbeddedMariaDb store;
    static int storePort;
    static StreamFixture fixture;
    static EmbeddedMariaDb source;
    static PipelineConf conf;
    static Lake lake;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        store = EmbeddedMariaDb.start(dir.resolve("serving-mariadb"), 0);
        storePort = store.port();
        store.createDatabase(DATABASE);
        fixture = StreamFixture.start(dir, sections -> sections
                .replace("restart-attempts: 0", "restart-attempts: 40\n  restart-delay: 2s") + section(storePort, DATABASE));
        source = fixture.mariaDb;
        conf = fixture.conf;
        lake = fixture.lake;
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
        store.close();
    }

    static String section(int port, String database) {
        return "serving:\n  type: jdbc\n  url: jdbc:mysql://127.0.0.1:" + port + "/" + database
                + "?useSSL=false&serverTimezone=UTC\n  username: weir\n  password: ${env:WEIR_TEST_MYSQL_PASSWORD}\n"
                + "  tables: [" + String.join(", ", TABLES) + "]\n";
    }

    @Test
    @Order(1)
    void theStreamUpsertsAndDeletesIntoTheServingTables() throws Exception {
        stream = fixture.stream(conf.layers());
        awaitServingEqualsLake();
        assertEquals("8000.08", query("SELECT paied_buy_fee_sum FROM dws_users WHERE user_id = 'user_001'"
                + " AND ds = '20230215'"));
        // Created from the lake schema in MySQL types, key kept.
        assertEquals("varchar(255),longtext,datetime(3),decimal(20,2)", String.join(",",
                columnType("ods_orders", "ds"), columnType("ods_orders", "user_id"),
                columnType("ods_orders", "create_time"), columnType("dws_users", "paied_buy_fee_sum")));
        assertEquals("user_id,ds", query("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM"
                + " information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'serving' AND TABLE_NAME = 'dws_users'"
                + " AND CONSTRAINT_NAME = 'PRIMARY'"));

        // An update and a delete: user_001's first order costs 2000.00, and order 100003 is gone.
        String deleted = query("SELECT COUNT(*) FROM ods_orders WHERE order_id = 100003");
        assertEquals("1", deleted, "order 100003 is served before it is deleted");
        SampleSource.execute(source, "UPDATE orders SET buy_fee = 2000.00, update_time = '2023-02-15 19:00:00'"
                + " WHERE order_id = 100001", "DELETE FROM orders WHERE order_id = 100003");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return "0".equals(query("SELECT COUNT(*) FROM ods_orders WHERE order_id = 100003"))
                    && "5000.03".equals(query("SELECT paied_buy_fee_sum FROM dws_users WHERE user_id = 'user_001'"
                    + " AND ds = '20230215'"));
        }, () -> "serving " + rows("dws_users"));
        awaitServingEqualsLake();
    }

    @Test
    @Order(2)
    void aPartitionIsReplacedInOneTransaction() throws Exception {
        String partition = "SELECT CONCAT(COUNT(*), ' rows, ', COALESCE(SUM(paied_buy_fee_sum), 0)) FROM dws_users"
                + " WHERE ds = '20230215'";
        // The tables Weir created are accepted as they are, although MariaDB spells bigint as bigint(20).
        new ServingSync(conf, lake).ensureTables();
        assertEquals("bigint(20)", columnType("ods_orders", "order_id"));
        String replaced = query(partition);
        // Rows changed behind Weir's back: the replacement must bring back the lake's, all at once.
        try (Connection c = store.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("UPDATE dws_users SET paied_buy_fee_sum = 1.00 WHERE user_id = 'user_002' AND ds = '20230215'");
            s.execute("DELETE FROM dws_users WHERE user_id = 'user_003' AND ds = '20230215'");
        }
        String planted = query(partition);
        assertNotEquals(replaced, planted);

        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            try (Connection c = store.connect(DATABASE); Statement s = c.createStatement()) {
                while (reading.get()) {
                    try (ResultSet rs = s.executeQuery(partition)) {
                        rs.next();
                        seen.add(rs.getString(1));
                    }
                }
            } catch (Exception e) {
                seen.add(e.toString());
            }
        });
        reader.start();
        long rows = new ServingSync(conf, lake).resync("dws_users", List.of("20230215"));
        reading.set(false);
        reader.join();

        assertEquals(3, rows);
        assertEquals(replaced, query(partition));
        assertTrue(seen.size() > 1, "the reader polled throughout: " + seen);
        for (String observation : seen) {
            assertTrue(observation.equals(planted) || observation.equals(replaced),
                    "a reader saw neither the old partition (" + planted + ") nor the new (" + replaced + "): " + observation);
        }
        awaitServingEqualsLake();
    }

    @Test
    @Order(3)
    void anOutageOfTheServingStoreLosesNoChange() throws Exception {
        store.close();
        SampleSource.keepChanging(source, Duration.ofSeconds(30), 710000, 9000);
        store = EmbeddedMariaDb.start(dir.resolve("serving-mariadb"), storePort);
        awaitServingEqualsLake();
        assertEquals(SampleSource.userTotalsByPayDay(source).toString(),
                totalsByPayDay(new ServingSync(conf, lake).storeRows("dws_users")),
                "serving, the lake and MySQL's own aggregate agree after the outage");
    }

    @Test
    @Order(4)
    void aServingTableThatDoesNotMatchTheLakeIsRefused() throws Exception {
        store.createDatabase("wrong");
        try (Connection c = store.connect("wrong"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE dws_users (user_id varchar(64) NOT NULL, ds varchar(8) NOT NULL,"
                    + " paied_buy_fee_sum double, PRIMARY KEY (user_id))");
        }
        PipelineConf wrong = load("wrong", section(storePort, "wrong"));
        WeirException e = assertThrows(WeirException.class, () -> new ServingSync(wrong, lake).ensureTables());
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("serving table wrong.dws_users at 127.0.0.1:" + storePort
                + " does not match lake table dws_users: "), e.getMessage());
        assertTrue(e.getMessage().contains("column user_id is varchar(64), the lake has varchar(255)"), e.getMessage());
        assertTrue(e.getMessage().contains("column paied_buy_fee_sum is double, the lake has decimal(20,2)"), e.getMessage());
        assertTrue(e.getMessage().contains("primary key is (user_id), the lake's is (user_id, ds)"), e.getMessage());
    }

    @Test
    @Order(5)
    void badStoresAreNamedWithoutThePassword() throws Exception {
        WeirException unreachable;
        int closedPort;
        try (java.net.Socket reserved = new java.net.Socket()) {
            reserved.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            closedPort = reserved.getLocalPort();
            PipelineConf bad = load("unreachable", section(closedPort, DATABASE));
            unreachable = assertThrows(WeirException.class, () -> new ServingSync(bad, lake).ensureTables());
        }
        assertTrue(unreachable.getMessage().startsWith("serving table serving.dws_users at 127.0.0.1:" + closedPort
                + ": cannot connect: the server is unreachable"), unreachable.getMessage());

        PipelineConf noDatabase = load("nodb", section(storePort, "missing_db"));
        WeirException missing = assertThrows(WeirException.class, () -> new ServingSync(noDatabase, lake).ensureTables());
        assertTrue(missing.getMessage().contains("cannot connect: database missing_db does not exist"), missing.getMessage());

        for (WeirException e : new WeirException[] {unreachable, missing}) {
            assertEquals(WeirException.BAD_INPUT, e.exitCode());
            assertFalse(e.getMessage().contains(SampleServing.PASSWORD), e.getMessage());
        }
    }

    private static PipelineConf load(String name, String servingSection) {
        return TestConfs.load(TestConfs.write(dir.resolve(name),
                TestConfs.standardSections(dir, source.port(), SampleSource.DATABASE) + servingSection));
    }

    /**
     * Waits until the lake has caught up with MySQL's own aggregate and serving holds the lake's rows.
     * Comparing serving with the lake alone would pass at once while both are still empty.
     */
    private static void awaitServingEqualsLake() {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return userTotals().equals(totalsByPayDay(lake.rows("dws_users")))
                    && TABLES.stream().allMatch(t -> rows(t).equals(lakeRows(t)));
        }, () -> "mysql " + userTotals() + "; " + TABLES.stream()
                .map(t -> t + ": serving " + rows(t) + " lake " + lakeRows(t)).toList());
    }

    private static String userTotals() {
        try {
            return SampleSource.userTotalsByPayDay(source).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Every row as its key and its values, printed alike from both sides. */
    static Map<String, String> rows(String table) {
        Map<String, String> rows = new TreeMap<>();
        for (Map<String, Object> row : new ServingSync(conf, lake).storeRows(table)) {
            rows.put(key(table, row), normalized(row).toString());
        }
        return rows;
    }

    static Map<String, String> lakeRows(String table) {
        Map<String, String> rows = new TreeMap<>();
        for (Map<String, Object> row : lake.rows(table)) {
            rows.put(key(table, row), normalized(row).toString());
        }
        return rows;
    }

    private static String key(String table, Map<String, Object> row) {
        return lake.table(table).primaryKeys().stream().map(k -> String.valueOf(row.get(k))).toList().toString();
    }

    private static Map<String, String> normalized(Map<String, Object> row) {
        Map<String, String> values = new TreeMap<>();
        row.forEach((k, v) -> values.put(k, v instanceof java.sql.Timestamp t ? t.toLocalDateTime().toString()
                : String.valueOf(v)));
        return values;
    }

    private static String totalsByPayDay(List<Map<String, Object>> dwsUsers) {
        Map<String, Map<String, java.math.BigDecimal>> totals = new TreeMap<>();
        for (Map<String, Object> row : dwsUsers) {
            totals.computeIfAbsent((String) row.get("ds"), d -> new TreeMap<>())
                    .put((String) row.get("user_id"), (java.math.BigDecimal) row.get("paied_buy_fee_sum"));
        }
        return totals.toString();
    }

    private static String columnType(String table, String column) throws Exception {
        return query("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'serving'"
                + " AND TABLE_NAME = '" + table + "' AND COLUMN_NAME = '" + column + "'");
    }

    private static String query(String sql) {
        try (Connection c = store.connect(DATABASE); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            return e.toString();
        }
    }
}
