package io.weir.backfill;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.StreamFixture;
import io.weir.runner.Totals;
import io.weir.runner.session.RunningStream;
import io.weir.runner.template.Renderer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backfill while the stream runs never leaves wrong rows: the backfill gives partition D totals
 * the running aggregation's state never saw, later changes for D flow through the stream, and every
 * DWS row of D ends equal to a recomputation from ODS.
 */
class StreamBackfillConsistencyTest {

    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final String DS = "20230215";
    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    @TempDir static Path dir;
    static StreamFixture fx;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        fx = StreamFixture.start(dir, sections -> sections.replace("restart-attempts: 0", "restart-attempts: 5\n  restart-delay: 1s"));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @Test
    void dwsOfABackfilledPartitionStaysEqualToARecomputationWhileTheStreamRuns() throws Exception {
        stream = fx.stream(fx.conf.layers());
        awaitUsers(Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"));

        // A gap the stream never sees: rows written with the binlog off for this session.
        execute(true, "INSERT INTO orders VALUES (100030, 'user_002', 12346, 3, 1000.00, '2023-02-15 10:00:00', '2023-02-15 10:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2030, 100030, 1, '2023-02-15 11:00:00')");

        Renderer renderer = new Renderer(fx.conf);
        Ledger ledger = new Ledger(fx.lake);
        BackfillPlanner planner = new BackfillPlanner(fx.conf, renderer, fx.lake, ledger);
        // D is still open: the streaming writers' watermark (seed events end 2023-02-15 18:40:56) has
        // not passed its end; dwd_orders' watermark is the minimum over its inputs, so it may lag.
        io.weir.runner.WeirException open = org.junit.jupiter.api.Assertions.assertThrows(io.weir.runner.WeirException.class,
                () -> planner.plan(new BackfillRequest("dws_users", D, D, false, 1, 1, true, false)));
        assertEquals(io.weir.runner.WeirException.BAD_INPUT, open.exitCode());
        assertTrue(open.getMessage().contains("20230215: dwd_orders watermark 2023-02-15 "), open.getMessage());
        assertTrue(open.getMessage().contains("has not passed the partition's end 2023-02-16 00:00"), open.getMessage());
        assertTrue(open.getMessage().contains("--allow-open"), open.getMessage());
        BackfillRunner runner = new BackfillRunner(fx.conf, fx.session, renderer, fx.lake, ledger);
        assertTrue(runner.run(planner.plan(new BackfillRequest("ods_orders_pay", D, D, false, 1, 1, true, true)), 1,
                BackfillProgress.NONE).succeeded());
        BackfillResult cascade = runner.run(planner.plan(new BackfillRequest("ods_orders", D, D, true, 1, 1, true, true)), 1,
                BackfillProgress.NONE);
        assertTrue(cascade.succeeded(), cascade.failures().toString());
        assertEquals(Totals.expected("user_001", "8000.08", "user_002", "6000.05", "user_003", "5000.05"),
                Totals.of(fx.lake, "dws_users", "user_id", DS), "the backfill repaired D; the stream's state still says 5000.05");

        // More changes touching D, through the binlog: the stream's deltas land on the backfilled totals.
        execute(false, "UPDATE orders SET buy_fee = 4500.04 WHERE order_id = 100002",
                "INSERT INTO orders VALUES (100031, 'user_002', 12348, 2, 200.00, '2023-02-15 12:00:00', '2023-02-15 12:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2031, 100031, 0, '2023-02-15 20:00:00')",
                "UPDATE orders SET buy_fee = 2500.02 WHERE order_id = 100004");

        Map<String, BigDecimal> expectedUsers = Totals.expected("user_001", "8500.08", "user_002", "6700.05", "user_003", "5000.05");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return recomputed("user_id").equals(expectedUsers)
                    && Totals.of(fx.lake, "dws_users", "user_id", DS).equals(recomputed("user_id"))
                    && Totals.of(fx.lake, "dws_shops", "shop_id", DS).equals(recomputed("shop_id"));
        }, () -> "dws_users=" + Totals.of(fx.lake, "dws_users", "user_id", DS) + " recomputed=" + recomputed("user_id")
                + " dws_shops=" + Totals.of(fx.lake, "dws_shops", "shop_id", DS) + " recomputed=" + recomputed("shop_id"));
        assertNotEquals(Totals.expected("user_002", "5700.05"), Totals.of(fx.lake, "dws_users", "user_id", DS),
                "a stale stream total would have dropped the repaired order");
    }

    /** Total paid per key on D, recomputed from the ODS tables (orders joined to their payments). */
    private static Map<String, BigDecimal> recomputed(String key) {
        Map<Long, Map<String, Object>> orders = new HashMap<>();
        for (Map<String, Object> o : fx.lake.rows("ods_orders")) {
            orders.put((Long) o.get("order_id"), o);
        }
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (Map<String, Object> pay : fx.lake.rows("ods_orders_pay")) {
            Map<String, Object> order = orders.get((Long) pay.get("order_id"));
            String payDay = ((java.time.LocalDateTime) pay.get("create_time")).format(DateTimeFormatter.BASIC_ISO_DATE);
            if (order != null && payDay.equals(DS)) {
                String k = String.valueOf(order.get(key.equals("user_id") ? "user_id" : "shop_id"));
                totals.merge(k, (BigDecimal) order.get("buy_fee"), BigDecimal::add);
            }
        }
        return totals;
    }

    private static void awaitUsers(Map<String, BigDecimal> users) {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_users", "user_id", DS).equals(users);
        }, () -> "dws_users=" + Totals.of(fx.lake, "dws_users", "user_id", DS));
    }

    private static void execute(boolean binlogOff, String... statements) throws Exception {
        SampleSource.execute(fx.mariaDb, binlogOff, statements);
    }
}
