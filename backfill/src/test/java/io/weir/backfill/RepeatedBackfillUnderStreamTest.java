package io.weir.backfill;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.StreamFixture;
import io.weir.runner.Totals;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.session.RunningStream;
import io.weir.runner.template.Renderer;
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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ten cascading backfills of one sealed day (dwd_orders, then dws_users) while MySQL changes that
 * day's orders every two seconds and the stream keeps writing them into dwd_orders. The stream's
 * jobs stay up. dwd_orders merges by its rows' own sequence groups, so the stream's commits that an
 * overwrite replaced are written back instead of rebuilding again: every backfill succeeds.
 * Once the changes stop and the day is rebuilt, dwd_orders equals MySQL's orders and dws_users
 * equals MySQL's own aggregate.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepeatedBackfillUnderStreamTest {

    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final String DS = "20230215";
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

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
    @Order(1)
    void tenBackfillsWhileTheStreamKeepsChangingTheDayNeverLoseAChangeAndEndEqualToMySql() throws Exception {
        List<LayerConf> layers = fx.conf.layers().stream().filter(l -> !l.table().equals("dws_shops")).toList();
        stream = fx.stream(layers);
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_users", "user_id", DS).equals(mysqlTotals());
        }, () -> "dws_users=" + Totals.of(fx.lake, "dws_users", "user_id", DS) + " mysql=" + mysqlTotals());
        // D is sealed from here on: its changes are late.
        fx.sealTheSampleDay(TIMEOUT);

        List<Long> orders = mysqlLongs("SELECT order_id FROM orders WHERE DATE(create_time) = '2023-02-15' ORDER BY order_id");
        AtomicInteger changes = new AtomicInteger();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        writer.scheduleAtFixedRate(() -> {
            int n = changes.getAndIncrement();
            try {
                // Every other change leaves the row's sequence field (update_time) as it was, as some
                // applications do: those versions tie, and Paimon's write order decides between them.
                SampleSource.execute(fx.mariaDb, "UPDATE orders SET buy_fee = buy_fee + 1.00"
                        + (n % 2 == 0 ? "" : ", update_time = NOW()") + " WHERE order_id = "
                        + orders.get(n % orders.size()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 0, 2, TimeUnit.SECONDS);
        List<String> failures = new ArrayList<>();
        int succeeded = 0;
        try {
            for (int i = 0; i < 10; i++) {
                BackfillResult result = backfill();
                stream.checkHealthy();
                if (result.succeeded()) {
                    succeeded++;
                } else {
                    failures.add("backfill " + (i + 1) + ": " + result.failures());
                }
            }
        } finally {
            writer.shutdownNow();
            writer.awaitTermination(10, TimeUnit.SECONDS);
        }
        System.out.println("backfills under a changing stream: " + succeeded + " of 10 succeeded, the stream resumed "
                + stream.conflictResumes() + " times after losing a commit to them; " + failures);
        assertEquals(10, succeeded, "every backfill settles by writing the stream's commits back: " + failures);
        assertTrue(changes.get() >= 10, "the day changed throughout: " + changes.get() + " updates");

        // The stream carries the last changes into dwd_orders; batch owns dws_users' sealed D and rebuilds it.
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return dwdFees().equals(mysqlFees());
        }, () -> "dwd_orders=" + dwdFees() + " mysql=" + mysqlFees());
        BackfillResult last = backfill();
        assertTrue(last.succeeded(), last.failures().toString());
        stream.checkHealthy();
        assertEquals(mysqlFees(), dwdFees(), "dwd_orders equals MySQL's orders");
        assertEquals(mysqlTotals(), Totals.of(fx.lake, "dws_users", "user_id", DS), "dws_users equals MySQL's own aggregate");
    }

    /**
     * New orders of D every 700 ms, faster than a rebuild round of ods_orders (a table whose merge
     * follows write order, so nothing is written back while it rebuilds): every round loses stream
     * commits to its overwrite, and after four the backfill gives up with exit 1. It says that the
     * partition now lacks changes the stream had committed (it did not before: a helper found the
     * orders inserted during the last round silently gone), and a rebuild once the orders stop
     * brings every order MySQL has back.
     */
    @Test
    @Order(2)
    void anOdsBackfillThatCannotSettleSaysWhatItsLastOverwriteLostAndARebuildRestoresIt() throws Exception {
        if (stream == null) {
            stream = fx.stream(fx.conf.layers().stream().filter(l -> !l.table().equals("dws_shops")).toList());
        }
        AtomicInteger inserted = new AtomicInteger();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        writer.scheduleAtFixedRate(() -> {
            int n = inserted.getAndIncrement();
            try {
                SampleSource.execute(fx.mariaDb, "INSERT INTO orders VALUES (" + (300000 + n) + ", 'user_009', 12345, 1,"
                        + " 1.00, '2023-02-15 12:00:00', '2023-02-15 12:00:00', 1)");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 0, 700, TimeUnit.MILLISECONDS);
        BackfillResult result;
        try {
            result = backfill("ods_orders", false);
        } finally {
            writer.shutdownNow();
            writer.awaitTermination(10, TimeUnit.SECONDS);
        }
        assertTrue(!result.succeeded() && result.failures().toString().contains("the stream kept changing partitions [20230215]")
                && result.failures().toString().contains("its last overwrite replaced changes the stream had committed to"
                        + " [20230215], which now lack them until they are rebuilt"), result.failures().toString());
        // The stream has caught up once it holds the last order, inserted after the backfill gave up.
        long last = mysqlOrders().get(mysqlOrders().size() - 1);
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return odsOrders().contains(last);
        }, () -> "ods_orders lacks the last order " + last);
        BackfillResult rebuilt = backfill("ods_orders", false);
        assertTrue(rebuilt.succeeded(), rebuilt.failures().toString());
        assertEquals(mysqlOrders(), odsOrders(), "missing from ods_orders: " + missing());
    }

    private static List<Long> missing() {
        List<Long> missing = new ArrayList<>(mysqlOrders());
        missing.removeAll(odsOrders());
        return missing;
    }

    private static List<Long> odsOrders() {
        return fx.lake.rowsOfPartitions("ods_orders", List.of(DS)).stream().map(r -> (Long) r.get("order_id"))
                .sorted().toList();
    }

    private static List<Long> mysqlOrders() {
        return mysqlLongs("SELECT order_id FROM orders WHERE DATE(create_time) = '2023-02-15' ORDER BY order_id");
    }

    /** The cascading backfill of D from dwd_orders that the first test repeats. */
    private static BackfillResult backfill() {
        return backfill("dwd_orders", true);
    }

    /** A forced backfill of D, as `weir backfill --force` runs it. */
    private static BackfillResult backfill(String layer, boolean cascade) {
        Renderer renderer = new Renderer(fx.conf);
        Ledger ledger = new Ledger(fx.lake);
        BackfillPlan plan = new BackfillPlanner(fx.conf, renderer, fx.lake, ledger)
                .plan(new BackfillRequest(layer, D, D, cascade, 1, 1, true, false));
        return new BackfillRunner(fx.conf, fx.session, renderer, fx.lake, ledger).run(plan, 1, BackfillProgress.NONE);
    }

    private static Map<Long, BigDecimal> dwdFees() {
        Map<Long, BigDecimal> fees = new TreeMap<>();
        for (Map<String, Object> row : fx.lake.rowsOfPartitions("dwd_orders", List.of(DS))) {
            fees.put((Long) row.get("order_id"), (BigDecimal) row.get("order_fee"));
        }
        return fees;
    }

    private static Map<Long, BigDecimal> mysqlFees() {
        Map<Long, BigDecimal> fees = new TreeMap<>();
        query("SELECT order_id, buy_fee FROM orders WHERE DATE(create_time) = '2023-02-15'",
                rs -> fees.put(rs.getLong(1), rs.getBigDecimal(2)));
        return fees;
    }

    /** MySQL's own aggregate of what dws_users holds: fees of orders paid on D, per user. */
    private static Map<String, BigDecimal> mysqlTotals() {
        Map<String, BigDecimal> totals = new TreeMap<>();
        query("SELECT o.user_id, SUM(o.buy_fee) FROM orders o JOIN orders_pay p ON p.order_id = o.order_id"
                + " WHERE DATE(p.create_time) = '2023-02-15' AND o.buy_fee IS NOT NULL GROUP BY o.user_id",
                rs -> totals.put(rs.getString(1), rs.getBigDecimal(2)));
        return totals;
    }

    private static List<Long> mysqlLongs(String sql) {
        List<Long> values = new ArrayList<>();
        query(sql, rs -> values.add(rs.getLong(1)));
        return values;
    }

    private interface RowReader {
        void read(ResultSet rs) throws java.sql.SQLException;
    }

    private static void query(String sql, RowReader reader) {
        try (Connection c = fx.mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                reader.read(rs);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
