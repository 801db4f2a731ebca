package io.weir.runner;

import io.weir.sandbox.EmbeddedPostgres;
import io.weir.sandbox.HologresEmulation;

import java.nio.file.Path;
import java.sql.Connection;

/**
 * The serving store for tests: a real PostgreSQL with database {@code weir}, a password user
 * {@code weir} and the Hologres emulation installed.
 */
public final class SampleServing {

    public static final String DATABASE = "weir";
    /** The same secret TestConfs gives the source, through ${env:WEIR_TEST_MYSQL_PASSWORD}. */
    public static final String PASSWORD = "s3cr3t-pw";

    private SampleServing() {}

    public static EmbeddedPostgres start(Path dir) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("postgres"), 0);
        postgres.createDatabase(DATABASE);
        postgres.createUser("weir", PASSWORD);
        try (Connection c = postgres.connect(DATABASE)) {
            HologresEmulation.install(c);
        }
        return postgres;
    }

    /** The conf's serving section for this store. */
    public static String section(int port, String database, String schema) {
        return "serving:\n  endpoint: 127.0.0.1:" + port + "\n  database: " + database + "\n  schema: " + schema
                + "\n  username: weir\n  password: ${env:WEIR_TEST_MYSQL_PASSWORD}\n  tables: [dws_users, dws_shops]\n";
    }
}
