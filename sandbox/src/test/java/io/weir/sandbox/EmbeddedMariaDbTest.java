package io.weir.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedMariaDbTest {

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;

    @BeforeAll
    static void start() {
        mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0);
    }

    @AfterAll
    static void stop() {
        mariaDb.close();
    }

    @Test
    void serverIsConfiguredForChangeDataCapture() throws Exception {
        try (Connection c = mariaDb.connect(""); Statement s = c.createStatement()) {
            assertEquals("1", variable(s, "log_bin"));
            assertEquals("ROW", variable(s, "binlog_format"));
            assertEquals("FULL", variable(s, "binlog_row_image"));
            assertEquals("+00:00", variable(s, "time_zone"));
        }
    }

    @Test
    void sampleRowsLoadOnceAndGeneratorAddsPaidOrders() throws Exception {
        mariaDb.createDatabase("sample_test");
        try (Connection c = mariaDb.connect("sample_test")) {
            OrderWarehouseSample.createSchema(c);
            assertTrue(OrderWarehouseSample.loadSampleRowsIfEmpty(c));
            assertFalse(OrderWarehouseSample.loadSampleRowsIfEmpty(c), "a second load must not duplicate rows");
            assertEquals(7, count(c, "orders"));
            assertEquals(7, count(c, "orders_pay"));
            assertEquals(5, count(c, "product_catalog"));
        }
        try (OrderGenerator generator = new OrderGenerator(() -> {
                    try {
                        return mariaDb.connect("sample_test");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, 50).start()) {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (generator.ordersWritten() < 10 && Instant.now().isBefore(deadline)) {
                Thread.onSpinWait();
                Thread.sleep(50);
            }
            assertTrue(generator.ordersWritten() >= 10, "generator wrote " + generator.ordersWritten());
        }
        try (Connection c = mariaDb.connect("sample_test")) {
            long orders = count(c, "orders");
            assertTrue(orders >= 17);
            assertEquals(orders, count(c, "orders_pay"), "every generated order is paid");
        }
    }

    @Test
    void serversShareOneUnpackedCopyOfTheBinaries() throws Exception {
        Path binaries = MariaDbBinaries.baseDir(EmbeddedMariaDb.BINARIES_VERSION);
        assertTrue(Files.exists(binaries.resolve("bin/mariadbd")), "binaries unpacked into " + binaries);
        try (EmbeddedMariaDb second = EmbeddedMariaDb.start(dir.resolve("second"), 0);
                Connection c = second.connect(""); Statement s = c.createStatement()) {
            assertEquals("1", variable(s, "log_bin"));
            try (var files = Files.list(dir.resolve("second"))) {
                assertEquals(List.of("data", "tmp"), files.filter(Files::isDirectory)
                        .map(f -> f.getFileName().toString()).sorted().toList(), "no copy of the binaries beside the data");
            }
        }
    }

    private static String variable(Statement s, String name) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT @@" + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
