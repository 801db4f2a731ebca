package io.weir.runner.source;

import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MySQL source that a job could not read is refused before any job starts, in one line that says
 * why and names the table, and never shows the password.
 */
class MySqlSourceCheckTest {

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        mariaDb.close();
    }

    @Test
    void aReadableSourcePasses() {
        PipelineConf conf = conf("ok", s -> s);
        assertDoesNotThrow(() -> new Renderer(conf).checkStreamSources(conf.layer("ods_orders")));
    }

    /** The sandbox server runs without grant tables; this one loads them, with a user of its own. */
    @Test
    void aWrongPasswordIsOneClearLine() throws Exception {
        EmbeddedMariaDb guarded = EmbeddedMariaDb.start(dir.resolve("guarded"), 0);
        try {
            try (java.sql.Connection c = guarded.connect("mysql"); java.sql.Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + SampleSource.DATABASE);
                s.execute("CREATE TABLE " + SampleSource.DATABASE + ".orders (order_id BIGINT PRIMARY KEY, user_id VARCHAR(50),"
                        + " shop_id BIGINT, product_id BIGINT, buy_fee DECIMAL(20, 2), create_time DATETIME,"
                        + " update_time DATETIME, state INT)");
                s.execute("FLUSH PRIVILEGES");
                // Named for each host: the anonymous accounts of a fresh install would win over '%'.
                for (String host : new String[] {"localhost", "127.0.0.1"}) {
                    s.execute("CREATE USER 'reader'@'" + host + "' IDENTIFIED BY 'right-pw'");
                    s.execute("GRANT ALL ON *.* TO 'reader'@'" + host + "'");
                }
            }
            UnaryOperator<String> asReader = s -> s.replace("port: " + mariaDb.port(), "port: " + guarded.port())
                    .replace("username: root", "username: reader");
            PipelineConf right = conf("right", s -> asReader.apply(s).replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "right-pw"));
            assertDoesNotThrow(() -> new Renderer(right).checkStreamSources(right.layer("ods_orders")));
            WeirException e = refused("password", s -> asReader.apply(s).replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "not-the-password"));
            assertTrue(e.getMessage().contains("ods_orders.sql: table mysql_orders: MySQL at 127.0.0.1:" + guarded.port()
                    + ": authentication failed for user reader (check the source's username and password)"), e.getMessage());
            assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
            assertFalse(e.getMessage().contains("\n\tat "), "no stack trace: " + e.getMessage());
        } finally {
            guarded.close();
        }
    }

    @Test
    void aMissingDatabaseOrTableIsNamed() {
        WeirException database = refused("nodb", s -> s.replace("database: " + SampleSource.DATABASE, "database: no_such_db"));
        assertTrue(database.getMessage().contains("no table matches 'orders' in database 'no_such_db'"), database.getMessage());
        PipelineConf conf = conf("notable", s -> s);
        java.util.Map<String, String> options = java.util.Map.of("table-name", "order_typo");
        WeirException table = assertThrows(WeirException.class, () -> new MySqlCdcSource().checkRead(conf.source().orElseThrow(), options,
                new SourceRead("ods_orders", "mysql-cdc", 1, 0, java.util.Optional.empty())));
        assertTrue(table.getMessage().endsWith("no table matches 'order_typo' in database '" + SampleSource.DATABASE + "'"),
                table.getMessage());
    }

    @Test
    void aDeclaredColumnTheTableDoesNotHaveIsNamed() {
        PipelineConf conf = conf("nocolumn", s -> s);
        WeirException e = assertThrows(WeirException.class, () -> new MySqlCdcSource().checkRead(conf.source().orElseThrow(),
                java.util.Map.of("table-name", "orders"), new SourceRead("mysql_orders", "mysql-cdc", 1, 0, java.util.Optional.empty(),
                        java.util.List.of("order_id", "BUY_FEE", "fare_amount"))));
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("table mysql_orders: MySQL at 127.0.0.1:" + mariaDb.port() + ": table "
                + SampleSource.DATABASE + ".orders has no columns BUY_FEE, fare_amount (its columns: order_id, user_id,"), e.getMessage());
        // Flink CDC looks a column up in Debezium's row by its exact name: BUY_FEE would read NULL.
        assertTrue(e.getMessage().contains("; names are matched exactly, case included: BUY_FEE -> buy_fee."), e.getMessage());
        new MySqlCdcSource().checkRead(conf.source().orElseThrow(), java.util.Map.of("table-name", "orders"),
                new SourceRead("mysql_orders", "mysql-cdc", 1, 0, java.util.Optional.empty(), java.util.List.of("order_id", "buy_fee")));
    }

    /**
     * Flink CDC refuses a server whose clock is off the configured zone only inside the running job,
     * after its restarts (a helper's stream gave up after 2.5 minutes): the same check runs first.
     */
    @Test
    void aServerTimeZoneThatIsNotTheServersIsRefusedBeforeAnyJob() throws Exception {
        int server;
        try (java.sql.Connection c = mariaDb.connect(SampleSource.DATABASE); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT TIME_TO_SEC(TIMEDIFF(NOW(), UTC_TIMESTAMP()))")) {
            rs.next();
            server = rs.getInt(1);
        }
        int hours = server / 3600 <= 8 ? server / 3600 + 5 : server / 3600 - 5;
        String zone = String.format("%s%02d:00", hours < 0 ? "-" : "+", Math.abs(hours));
        WeirException e = refused("zone", s -> s.replace("  username: root\n", "  username: root\n  server-time-zone: '" + zone + "'\n"));
        assertTrue(e.getMessage().contains("table mysql_orders: MySQL at 127.0.0.1:" + mariaDb.port() + ": the server's clock"
                + " is at UTC" + java.time.ZoneOffset.ofTotalSeconds(server).getId().replace("Z", "+00:00")
                + ", but source.server-time-zone " + zone + " is at UTC" + zone + " now;"), e.getMessage());
    }

    @Test
    void anUnreachableServerIsNamed() throws Exception {
        // Bound but never listening: refused, and no other server can take the port meanwhile.
        try (java.net.Socket reserved = new java.net.Socket()) {
            reserved.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int port = reserved.getLocalPort();
            WeirException e = refused("down", s -> s.replace("port: " + mariaDb.port(), "port: " + port));
            assertTrue(e.getMessage().contains("MySQL at 127.0.0.1:" + port + ": cannot connect: the server is unreachable"),
                    e.getMessage());
        }
    }

    private static WeirException refused(String name, UnaryOperator<String> edit) {
        PipelineConf conf = conf(name, edit);
        WeirException e = assertThrows(WeirException.class, () -> new Renderer(conf).checkStreamSources(conf.layer("ods_orders")));
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        return e;
    }

    private static PipelineConf conf(String name, UnaryOperator<String> edit) {
        return TestConfs.load(TestConfs.write(dir.resolve(name),
                edit.apply(TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE))));
    }
}
