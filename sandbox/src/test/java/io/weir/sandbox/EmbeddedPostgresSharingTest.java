package io.weir.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backfill beside a running stream on the embedded default: the second process uses the serving
 * PostgreSQL the first one runs, where starting its own on the same data failed on zonky's lock.
 */
class EmbeddedPostgresSharingTest {

    @TempDir Path dir;

    @Test
    void aLiveProcesssServerIsUsedAndLeftRunning() throws Exception {
        Path data = dir.resolve("postgres");
        HolderProcess holding = HolderProcess.start(PostgresHolder.class, data);
        Process holder = holding.process();
        int port = holding.port();
        try {
            try (EmbeddedPostgres shared = EmbeddedPostgres.start(data, 0)) {
                assertEquals(port, shared.port(), "the running server is used");
                shared.createDatabase("weir");
                assertThrows(IllegalStateException.class, shared::restart, "it is not this process's to restart");
            }
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/weir",
                    EmbeddedPostgres.USER, "")) {
                assertTrue(c.isValid(5), "closing the shared server left it running for its owner");
            }
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }
}
