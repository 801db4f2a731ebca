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
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
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
        if (stream != null) {
            stream.cancel();
        }
        fx.close();
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void dwsOfABackfilledPartitionStaysEqualToARecomputationWhileTheStreamRuns() throws Exception {
        stream = fx.stream(fx.conf.layers());
        awaitUsers(Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"));
        // dws_shops runs in a job of its own: its first sums must be in before the cascade overwrites D,
        // or they would land on the rebuilt totals.
        Map<String, BigDecimal> seedShops = Totals.expected("12345", "5000.05", "12346", "4000.04", "12347", "7000.07",
                "12348", "2000.02");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_shops", "shop_id", DS).equals(seedShops);
        }, () -> "dws_shops=" + Totals.of(fx.lake, "dws_shops", "shop_id", DS));

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
        assertTrue(open.getMessage().contains("20230215: dwd_orders is not closed through the partition's end"
                + " 2023-02-16 00:00:00: watermark 2023-02-15 "), open.getMessage());
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
        assertNotEquals(new BigDecimal("5700.05"), Totals.of(fx.lake, "dws_users", "user_id", DS).get("user_002"),
                "a stale stream total would have dropped the repaired order");
    }

    /**
     * A stopped layer whose new SQL cannot restore its savepoint ({@code weir stream --upgrade} on the
     * embedded cluster): rebuilt, started without state, and equal to the recomputation after changes
     * made while it was stopped and after it started. The other layers resume as they were.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aStoppedLayerWhoseStateNoLongerFitsItsNewSqlIsUpgradedExactly() throws Exception {
        assertEquals(6, stream.stopWithSavepoints(Duration.ofMinutes(2)).size());
        stream = null;
        Path templates = dir.resolve("templates");
        java.nio.file.Files.createDirectories(templates);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(io.weir.runner.TestConfs.templatesDir())) {
            for (Path file : files.toList()) {
                java.nio.file.Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path shops = templates.resolve("dws_shops.sql");
        java.nio.file.Files.writeString(shops, java.nio.file.Files.readString(shops)
                // The same plan with another accumulator: Flink maps the state, then refuses it when a task
                // first reads it ("Error while getting state" caused by a StateMigrationException).
                .replace("SUM(order_fee)", "SUM(CAST(order_fee AS DECIMAL(38, 4)))"));
        Path confFile = dir.resolve("pipeline.yaml");
        Path upgradedFile = dir.resolve("upgraded.yaml");
        java.nio.file.Files.writeString(upgradedFile, java.nio.file.Files.readString(confFile)
                .replace("templates: " + io.weir.runner.TestConfs.templatesDir(), "templates: " + templates));
        io.weir.runner.conf.PipelineConf upgraded = io.weir.runner.TestConfs.load(upgradedFile);
        execute(false, "UPDATE orders SET buy_fee = 2600.02 WHERE order_id = 100004");

        java.util.List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        stream = new io.weir.runner.session.StreamRunner(upgraded, fx.session).start(upgraded.layers(), false,
                java.util.Optional.of(new io.weir.runner.session.StreamRunner.Upgrading(
                        new UpgradeRebuild(upgraded, fx.session, BackfillProgress.NONE), said::add)));
        String words = String.join("\n", said);
        assertTrue(words.contains("does not fit the new SQL (org.apache.flink.util.StateMigrationException: "), words);
        assertTrue(words.contains("dws_shops: the state at ") && words.contains("does not fit the new SQL")
                && words.contains("dws_shops: emptying ") && words.contains("dws_shops: upgraded to sql:")
                && words.contains("without state, reading its sources from their start"), words);
        assertTrue(said.stream().noneMatch(line -> !line.startsWith("dws_shops: ")), "only dws_shops changed: " + words);
        stream.layers().stream().filter(l -> !l.layer().name().equals("dws_shops"))
                .forEach(l -> assertTrue(l.restoredFrom().isPresent(), l.layer().name() + " resumed as it was"));

        execute(false, "UPDATE orders SET buy_fee = 2700.02 WHERE order_id = 100004",
                "INSERT INTO orders VALUES (100032, 'user_001', 12347, 1, 300.00, '2023-02-15 13:00:00', '2023-02-15 13:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2032, 100032, 0, '2023-02-15 21:00:00')");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            // Compared once ODS holds the last changes, so stale tables cannot agree by chance.
            return fx.lake.rows("ods_orders").stream().anyMatch(o -> o.get("order_id").equals(100004L)
                    && new BigDecimal("2700.02").equals(o.get("buy_fee")))
                    && fx.lake.rows("ods_orders").stream().anyMatch(o -> o.get("order_id").equals(100032L))
                    && fx.lake.rows("ods_orders_pay").stream().anyMatch(p -> p.get("pay_id").equals(2032L))
                    && Totals.of(fx.lake, "dws_shops", "shop_id", DS).equals(recomputed("shop_id"))
                    && Totals.of(fx.lake, "dws_users", "user_id", DS).equals(recomputed("user_id"));
        }, () -> "dws_shops=" + Totals.of(fx.lake, "dws_shops", "shop_id", DS) + " recomputed=" + recomputed("shop_id")
                + " dws_users=" + Totals.of(fx.lake, "dws_users", "user_id", DS) + " recomputed=" + recomputed("user_id"));
        java.util.List<io.weir.runner.lake.Upgrades.Upgrade> upgrades = new io.weir.runner.lake.Upgrades(fx.lake)
                .of(fx.conf.name());
        assertEquals(java.util.List.of("dws_shops FRESH"),
                upgrades.stream().map(u -> u.layer() + " " + u.outcome()).toList(), upgrades.toString());
        assertTrue(upgrades.get(0).partitionsEmptied() >= 1, upgrades.toString());
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
