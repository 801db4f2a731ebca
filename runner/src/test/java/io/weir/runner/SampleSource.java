package io.weir.runner;

import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.OrderWarehouseSample;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/** The example warehouse's MySQL source for tests: a real MariaDB holding seed 000's rows. */
public final class SampleSource {

    public static final String DATABASE = "order_dw";

    private SampleSource() {}

    public static EmbeddedMariaDb start(Path dir) throws Exception {
        EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0);
        mariaDb.createDatabase(DATABASE);
        try (Connection c = mariaDb.connect(DATABASE)) {
            OrderWarehouseSample.createSchema(c);
            OrderWarehouseSample.loadSampleRowsIfEmpty(c);
        }
        return mariaDb;
    }

    /**
     * MySQL's own answer to dws_users: paid order fees per payment day and user, the oracle the
     * stream's totals are checked against.
     */
    public static java.util.Map<String, java.util.Map<String, java.math.BigDecimal>> userTotalsByPayDay(
            EmbeddedMariaDb mariaDb) throws Exception {
        java.util.Map<String, java.util.Map<String, java.math.BigDecimal>> totals = new java.util.TreeMap<>();
        try (Connection c = mariaDb.connect(DATABASE); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT DATE_FORMAT(p.create_time, '%Y%m%d'), o.user_id,"
                        + " SUM(o.buy_fee) FROM orders o JOIN orders_pay p ON o.order_id = p.order_id GROUP BY 1, 2")) {
            while (rs.next()) {
                totals.computeIfAbsent(rs.getString(1), d -> new java.util.TreeMap<>())
                        .put(rs.getString(2), rs.getBigDecimal(3));
            }
        }
        return totals;
    }

    public static void execute(EmbeddedMariaDb mariaDb, String... statements) throws Exception {
        execute(mariaDb, false, statements);
    }

    /** @param binlogOff write with the binlog off for this session: a change no CDC stream ever sees */
    public static void execute(EmbeddedMariaDb mariaDb, boolean binlogOff, String... statements) throws Exception {
        try (Connection c = mariaDb.connect(DATABASE); Statement s = c.createStatement()) {
            if (binlogOff) {
                s.execute("SET SESSION sql_log_bin = 0");
            }
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /**
     * Keeps MySQL changing for the given time, as an outage elsewhere should not stop it: every 250 ms
     * a new paid order of 20230215 (ids from {@code firstOrderId} and {@code firstPayId} on) and one
     * more on order 100002's fee.
     */
    public static void keepChanging(EmbeddedMariaDb mariaDb, java.time.Duration during, int firstOrderId, int firstPayId)
            throws Exception {
        java.time.Instant start = java.time.Instant.now();
        int id = 0;
        while (java.time.Duration.between(start, java.time.Instant.now()).compareTo(during) < 0) {
            id++;
            execute(mariaDb,
                    "INSERT INTO orders VALUES (" + (firstOrderId + id) + ", 'user_00" + (1 + id % 3) + "', 1234"
                            + (5 + id % 4) + ", 1, " + id + ".00, '2023-02-15 19:00:00', '2023-02-15 19:00:00', 1)",
                    "INSERT INTO orders_pay VALUES (" + (firstPayId + id) + ", " + (firstOrderId + id)
                            + ", 1, '2023-02-15 19:30:00')",
                    "UPDATE orders SET buy_fee = buy_fee + 1, update_time = TIMESTAMPADD(SECOND, 1, update_time)"
                            + " WHERE order_id = 100002");
            Thread.sleep(250); // pacing: changes keep coming throughout
        }
    }
}
