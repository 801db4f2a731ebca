package io.weir.sandbox;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Writes new orders, each followed by its payment, into the sample business tables at a steady
 * rate, with the current time as event time: the live traffic of the quickstart and benchmarks.
 */
public final class OrderGenerator implements AutoCloseable {

    private static final long TICK_MILLIS = 100;

    private final Supplier<Connection> connections;
    private final double ordersPerSecond;
    private final Random random = new Random(42);
    private final AtomicLong ordersWritten = new AtomicLong();
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "weir-order-generator");
                t.setDaemon(true);
                return t;
            });
    private Connection connection;
    private long nextOrderId;
    private long nextPayId;
    private double owed;
    private volatile Throwable failure;

    public OrderGenerator(Supplier<Connection> connections, double ordersPerSecond) {
        this.connections = connections;
        this.ordersPerSecond = ordersPerSecond;
    }

    public OrderGenerator start() throws SQLException {
        connection = connections.get();
        nextOrderId = maxOf("SELECT COALESCE(MAX(order_id), 100000) FROM orders") + 1;
        nextPayId = maxOf("SELECT COALESCE(MAX(pay_id), 2000) FROM orders_pay") + 1;
        executor.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    public long ordersWritten() {
        return ordersWritten.get();
    }

    /** The error that stopped the generator, if any. */
    public Throwable failure() {
        return failure;
    }

    private void tick() {
        owed += ordersPerSecond * TICK_MILLIS / 1000.0;
        int due = (int) owed;
        if (due == 0) {
            return;
        }
        owed -= due;
        try {
            writeOrders(due);
        } catch (SQLException e) {
            failure = e;
            executor.shutdown();
        }
    }

    private void writeOrders(int count) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (PreparedStatement order = connection.prepareStatement(
                        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, 1)");
                PreparedStatement pay = connection.prepareStatement(
                        "INSERT INTO orders_pay VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                long orderId = nextOrderId++;
                order.setLong(1, orderId);
                order.setString(2, String.format("user_%03d", 1 + random.nextInt(20)));
                order.setLong(3, 12345 + random.nextInt(6));
                order.setLong(4, 1 + random.nextInt(5));
                order.setBigDecimal(5, BigDecimal.valueOf(100 + random.nextInt(900_000), 2)
                        .setScale(2, RoundingMode.UNNECESSARY));
                order.setTimestamp(6, now);
                order.setTimestamp(7, now);
                order.addBatch();
                pay.setLong(1, nextPayId++);
                pay.setLong(2, orderId);
                pay.setInt(3, random.nextInt(2));
                pay.setTimestamp(4, now);
                pay.addBatch();
            }
            order.executeBatch();
            pay.executeBatch();
        }
        ordersWritten.addAndGet(count);
    }

    private long maxOf(String query) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (connection != null) {
            connection.close();
        }
    }
}
