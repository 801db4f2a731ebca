package io.weir.runner.session;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.OrderWarehouseSample;
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
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example warehouse as a continuous stream on real components: MariaDB through Flink CDC,
 * the shared Flink cluster, Paimon files. The tests run in order on one pipeline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamPipelineTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final String DAY = "20230215";

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), "order_dw")));
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
        mariaDb.close();
    }

    @Test
    @Order(1)
    void streamReproducesTheSeedTotals() throws Exception {
        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        assertEquals(6, stream.layers().size());
        awaitTotals(
                Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"),
                Totals.expected("12345", "5000.05", "12346", "4000.04", "12347", "7000.07", "12348", "2000.02"));
    }

    @Test
    @Order(2)
    void snapshotsCarryEventTimeWatermarks() {
        long newestOrder = LocalDateTime.of(2023, 2, 15, 16, 40, 56).toInstant(ZoneOffset.UTC).toEpochMilli();
        for (String table : new String[] {"ods_orders", "ods_orders_pay", "dwd_orders", "dws_users"}) {
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                return lake.watermark(table).isPresent();
            }, () -> table + " has no watermark yet");
        }
        assertEquals(newestOrder - 5000, lake.watermark("ods_orders").orElseThrow(),
                "ods_orders' watermark is its newest create_time less the 5 s delay");
        assertTrue(lake.watermark("dwd_orders").orElseThrow() >= newestOrder - 5000);
    }

    @Test
    @Order(3)
    void seedLiveChangeReachesTheTotals() throws Exception {
        try (Connection c = mariaDb.connect("order_dw")) {
            OrderWarehouseSample.applyLiveChange(c);
        }
        awaitTotals(
                Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "11000.07"),
                Totals.expected("12345", "11000.07", "12346", "4000.04", "12347", "7000.07", "12348", "2000.02"));
    }

    @Test
    @Order(4)
    void updatesAndDeletesFlowThrough() throws Exception {
        execute("UPDATE orders SET buy_fee = 4500.04 WHERE order_id = 100002",
                "DELETE FROM orders WHERE order_id = 100005",
                "DELETE FROM orders_pay WHERE pay_id = 2007");
        awaitTotals(
                Totals.expected("user_001", "8000.08", "user_002", "4500.04", "user_003", "9000.05"),
                Totals.expected("12345", "11000.07", "12346", "4500.04", "12347", "5000.05", "12348", "1000.01"));
        Map<String, Object> unpaid = lake.rows("dwd_orders").stream()
                .filter(r -> r.get("order_id").equals(100007L)).findFirst().orElseThrow();
        assertEquals(null, unpaid.get("pay_id"), "a deleted payment clears only the payment columns");
        assertEquals(new BigDecimal("2000.02"), unpaid.get("order_fee"));
        assertTrue(lake.rows("dwd_orders").stream().noneMatch(r -> r.get("order_id").equals(100005L)),
                "a deleted order leaves DWD");
    }

    @Test
    @Order(5)
    void stopWithSavepointAndResumeLosesNothingAndCountsNothingTwice() throws Exception {
        Map<String, String> savepoints = stream.stopWithSavepoints(Duration.ofMinutes(2));
        assertEquals(6, savepoints.size(), "every layer stopped with a savepoint: " + savepoints);
        stream = null;
        execute("INSERT INTO orders VALUES (100009, 'user_001', 12346, 2, 700.07, '2023-02-15 20:00:00', '2023-02-15 20:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2009, 100009, 0, '2023-02-15 20:05:00')",
                "UPDATE orders SET buy_fee = 5000.04 WHERE order_id = 100002");

        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        stream.layers().forEach(l -> assertTrue(l.restoredFrom().isPresent(), l.layer().name() + " resumed"));
        awaitTotals(
                Totals.expected("user_001", "8700.15", "user_002", "5000.04", "user_003", "9000.05"),
                Totals.expected("12345", "11000.07", "12346", "5700.11", "12347", "5000.05", "12348", "1000.01"));
    }

    private static void awaitTotals(Map<String, BigDecimal> users, Map<String, BigDecimal> shops) throws Exception {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(lake, "dws_users", "user_id", DAY).equals(users)
                    && Totals.of(lake, "dws_shops", "shop_id", DAY).equals(shops);
        }, () -> "dws_users=" + Totals.of(lake, "dws_users", "user_id", DAY)
                + " dws_shops=" + Totals.of(lake, "dws_shops", "shop_id", DAY));
        // Stable: once a later change has gone through every layer, the totals are still these (no late
        // double counting). The marker is paid on the day before, and created before the newest order,
        // so it moves no watermark.
        int marker = markers++;
        SampleSource.execute(mariaDb,
                "INSERT INTO orders VALUES (" + (100900 + marker) + ", 'marker', 12399, 1, 1.00,"
                        + " '2023-02-14 10:00:00', '2023-02-14 10:00:00', 1)",
                "INSERT INTO orders_pay VALUES (" + (2900 + marker) + ", " + (100900 + marker) + ", 0, '2023-02-14 11:00:00')");
        BigDecimal markers = new BigDecimal(marker + 1).setScale(2);
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return markers.equals(Totals.of(lake, "dws_users", "user_id", "20230214").get("marker"));
        }, () -> "the marker's total: " + Totals.of(lake, "dws_users", "user_id", "20230214"));
        assertEquals(users, Totals.of(lake, "dws_users", "user_id", DAY));
        assertEquals(shops, Totals.of(lake, "dws_shops", "shop_id", DAY));
    }

    private static int markers;

    private static void execute(String... statements) throws Exception {
        SampleSource.execute(mariaDb, statements);
    }
}
