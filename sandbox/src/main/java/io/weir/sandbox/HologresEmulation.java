package io.weir.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Installs, in a PostgreSQL database, the server objects the Hologres connector asks for
 * ({@code hg_version()}, table meta checks, table and table-group properties), so the real
 * connector writes to PostgreSQL as it would to Hologres. Idempotent.
 */
public final class HologresEmulation {

    private static final String SCRIPT = "hologres-emulation.sql";

    private HologresEmulation() {}

    public static void install(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String statement : script().split("\n--;\n")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        }
    }

    private static String script() {
        try (InputStream in = HologresEmulation.class.getResourceAsStream(SCRIPT)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
