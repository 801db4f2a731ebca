package io.weir.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Seed 000's business tables and rows, loaded into a MySQL-compatible database. */
public final class OrderWarehouseSample {

    private OrderWarehouseSample() {}

    public static void createSchema(Connection connection) throws SQLException {
        runScript(connection, "order_dw-schema.sql");
    }

    /** Loads the sample rows unless the database already holds orders (a restarted sandbox). */
    public static boolean loadSampleRowsIfEmpty(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM orders")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return false;
            }
        }
        runScript(connection, "order_dw-sample.sql");
        return true;
    }

    /** Seed 000's live change: order 100008 and its payment 2008. */
    public static void applyLiveChange(Connection connection) throws SQLException {
        runScript(connection, "order_dw-live-change.sql");
    }

    static void runScript(Connection connection, String resource) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String statement : statements(resource)) {
                s.execute(statement);
            }
        }
    }

    /** Our own scripts hold no semicolons inside literals, so splitting at line-ending ';' is exact. */
    private static List<String> statements(String resource) {
        String text;
        try (InputStream in = OrderWarehouseSample.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.trim().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.trim().endsWith(";")) {
                String stmt = current.toString().trim();
                result.add(stmt.substring(0, stmt.length() - 1));
                current.setLength(0);
            }
        }
        return result;
    }
}
