package io.weir.scheduler;

import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SchedulerConf;
import io.weir.runner.conf.WeirOptions.SchedulerStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Quartz's JDBC job store: an embedded H2 database file by default, PostgreSQL when configured.
 * Triggers and their next fire times live there, so ticks missed while Weir was down fire on restart.
 */
final class QuartzStore {

    static final String DATA_SOURCE = "weirStore";

    /** The stores this process's schedulers hold. */
    private static final java.util.Set<String> HELD_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final PipelineConf conf;

    QuartzStore(PipelineConf conf) {
        this.conf = conf;
    }

    String schedulerName() {
        return "weir-" + conf.name();
    }

    String jdbcUrl() {
        SchedulerConf scheduler = conf.scheduler();
        if (scheduler.store() == SchedulerStore.POSTGRESQL) {
            return scheduler.jdbcUrl();
        }
        // FS locking: the OS releases the lock when the process dies, so a restart after kill -9
        // opens the store at once, while a second live scheduler on the same store is refused.
        return "jdbc:h2:file:" + scheduler.dir().resolve("quartz").toAbsolutePath() + ";FILE_LOCK=FS";
    }

    /** Creates Quartz's tables if the store has none. */
    void createTablesIfMissing() {
        SchedulerConf scheduler = conf.scheduler();
        try {
            if (scheduler.store() == SchedulerStore.H2) {
                Files.createDirectories(scheduler.dir());
            }
            try (Connection c = connect()) {
                if (scheduler.store() == SchedulerStore.POSTGRESQL && heldElsewhere(c)) {
                    throw anotherScheduler("a PostgreSQL session holds its advisory lock");
                }
                if (hasTables(c)) {
                    return;
                }
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    for (String statement : schemaScript().split(";")) {
                        String sql = stripComments(statement);
                        if (!sql.isBlank() && !sql.toUpperCase().startsWith("DROP ") && !sql.equalsIgnoreCase("COMMIT")) {
                            s.execute(sql);
                        }
                    }
                }
                c.commit();
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                throw anotherScheduler("its H2 file is locked");
            }
            throw WeirException.badInput("cannot open the scheduler store " + describe() + ": "
                    + conf.secrets().mask(e.getMessage().lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw WeirException.badInput("cannot create the scheduler store directory " + scheduler.dir() + ": " + e);
        }
    }

    /** A status check may hold the H2 file for a moment: that is waited out, a scheduler's lock is not. */
    private Connection connect() throws SQLException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        while (true) {
            try {
                Properties properties = new Properties();
                properties.setProperty("user", user());
                properties.setProperty("password", password());
                if (conf.scheduler().store() == SchedulerStore.POSTGRESQL) {
                    // A held store's session lasts the scheduler's life: a dead peer must end it, not idle it.
                    properties.setProperty("tcpKeepAlive", "true");
                }
                return DriverManager.getConnection(jdbcUrl(), properties);
            } catch (SQLException e) {
                if (e.getErrorCode() != org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1 || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private WeirException anotherScheduler(String how) {
        return WeirException.badInput("another `weir schedule` of pipeline " + conf.name() + " runs on the scheduler store "
                + describe() + " (" + how + "): stop it first, or give this one its own "
                + (conf.scheduler().store() == SchedulerStore.POSTGRESQL ? "scheduler.jdbc-url" : "scheduler.dir"));
    }

    /**
     * Holds the store for this scheduler until closed. An H2 file is locked by the connections
     * Quartz keeps open. A PostgreSQL store takes a session advisory lock, keyed by the scheduler's
     * name, on a connection of its own: Quartz's tables are shared by every scheduler of that name
     * there, and two unclustered schedulers on them would both fire each tick. PostgreSQL releases the
     * lock when the session ends, so a killed scheduler's successor starts at once.
     */
    StoreHold hold() {
        String key = heldHereKey();
        if (!HELD_HERE.add(key)) {
            throw anotherScheduler("a scheduler of this process holds it");
        }
        Connection c = null;
        try {
            // H2: this connection keeps the file open, and locked against other processes, from before
            // Quartz's pool opens it until the scheduler closes.
            c = connect();
            if (conf.scheduler().store() == SchedulerStore.POSTGRESQL && !tryLock(c)) {
                throw anotherScheduler("a PostgreSQL session holds its advisory lock");
            }
            return new StoreHold(c, () -> HELD_HERE.remove(key));
        } catch (SQLException | RuntimeException e) {
            HELD_HERE.remove(key);
            closeQuietly(c);
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (((SQLException) e).getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                throw anotherScheduler("its H2 file is locked");
            }
            throw WeirException.badInput("cannot open the scheduler store " + describe() + ": "
                    + conf.secrets().mask(e.getMessage().lines().findFirst().orElse("")));
        }
    }

    private boolean tryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pg_try_advisory_lock(" + advisoryKey(c) + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** What became of a held store since it was last looked at. */
    enum Kept {
        /** The session that holds it lives. */
        HELD,
        /** Its session had ended, so its lock was gone; a new session took it again. */
        TAKEN_AGAIN,
        /** Its session had ended and another session holds the lock now: another scheduler. */
        LOST,
        /** Its session ended and the store does not answer: no one can take it meanwhile. */
        UNREACHABLE
    }

    /**
     * A store held by this scheduler. A PostgreSQL advisory lock lives as long as its session, which
     * a restart of the server, a network cut or an idle-session timeout can end while the scheduler
     * goes on; {@link #keep()} notices and takes the lock again, unless another scheduler has it now.
     */
    final class StoreHold implements AutoCloseable {
        private Connection session;
        private final Runnable onClose;
        private boolean closed;

        private StoreHold(Connection session, Runnable onClose) {
            this.session = session;
            this.onClose = onClose;
        }

        synchronized Kept keep() {
            if (closed || conf.scheduler().store() != SchedulerStore.POSTGRESQL) {
                return Kept.HELD;
            }
            try {
                if (session.isValid(5)) {
                    return Kept.HELD;
                }
            } catch (SQLException e) {
                // not valid either way
            }
            closeQuietly(session);
            Connection again = null;
            try {
                again = connect();
                if (tryLock(again)) {
                    session = again;
                    return Kept.TAKEN_AGAIN;
                }
                closeQuietly(again);
                return Kept.LOST;
            } catch (SQLException e) {
                closeQuietly(again);
                return Kept.UNREACHABLE;
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                onClose.run();
                closeQuietly(session);
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the session ends with the connection either way
            }
        }
    }

    /**
     * Whether a live scheduler holds the store now; empty when that cannot be told. An H2 file is
     * opened for a moment to see whether it is locked; a scheduler starting in that moment waits it out.
     */
    java.util.Optional<Boolean> heldByAScheduler() {
        if (HELD_HERE.contains(heldHereKey())) {
            return java.util.Optional.of(true); // this process's own: H2 would let it open the file again
        }
        return lockedInStore();
    }

    /** What the store itself says: a locked H2 file, or the advisory lock in PostgreSQL's pg_locks. */
    java.util.Optional<Boolean> lockedInStore() {
        SchedulerConf scheduler = conf.scheduler();
        if (scheduler.store() == SchedulerStore.H2 && !Files.exists(scheduler.dir().resolve("quartz.mv.db"))) {
            return java.util.Optional.of(false);
        }
        String url = scheduler.store() == SchedulerStore.H2 ? jdbcUrl() + ";IFEXISTS=TRUE" : jdbcUrl();
        try (Connection c = DriverManager.getConnection(url, user(), password())) {
            return java.util.Optional.of(scheduler.store() == SchedulerStore.POSTGRESQL && heldElsewhere(c));
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                return java.util.Optional.of(true);
            }
            return java.util.Optional.empty();
        }
    }

    private String heldHereKey() {
        return jdbcUrl() + " " + schedulerName();
    }

    private boolean heldElsewhere(Connection c) throws SQLException {
        long key = advisoryKey(c);
        // pg_locks lists every database's locks, and shows a bigint advisory key as its high (classid)
        // and low (objid) halves.
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks"
                + " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND classid::bigint = " + (key >>> 32) + " AND objid::bigint = " + (key & 0xFFFFFFFFL))) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    /**
     * A stable 64-bit key for this scheduler's name in the schema its Quartz tables lie in (an advisory
     * lock is already per database).
     */
    long advisoryKey(Connection c) throws SQLException {
        String schema;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            schema = rs.getString(1);
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("weir-schedule/" + schema + "/" + schedulerName()).getBytes(StandardCharsets.UTF_8));
            return java.nio.ByteBuffer.wrap(digest).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Properties quartzProperties(int threads) {
        SchedulerConf scheduler = conf.scheduler();
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", schedulerName());
        p.setProperty("org.quartz.scheduler.instanceId", "weir");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "weir-tick");
        // Layers often share a cron: acquire all triggers due together in one store transaction.
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(threads));
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", scheduler.store() == SchedulerStore.POSTGRESQL
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        // A tick later than this is a misfire, handled by the trigger's instruction (fire once now).
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        String ds = "org.quartz.dataSource." + DATA_SOURCE + ".";
        p.setProperty(ds + "provider", "hikaricp");
        p.setProperty(ds + "driver", scheduler.store() == SchedulerStore.POSTGRESQL ? "org.postgresql.Driver" : "org.h2.Driver");
        p.setProperty(ds + "URL", jdbcUrl());
        p.setProperty(ds + "user", user());
        p.setProperty(ds + "password", password());
        p.setProperty(ds + "maxConnections", String.valueOf(threads + 3));
        return p;
    }

    String describe() {
        return conf.scheduler().store() == SchedulerStore.POSTGRESQL
                ? "scheduler.jdbc-url " + conf.secrets().mask(conf.scheduler().jdbcUrl())
                : "H2 database in " + conf.scheduler().dir();
    }

    private String user() {
        return conf.scheduler().store() == SchedulerStore.POSTGRESQL ? conf.scheduler().username() : "sa";
    }

    private String password() {
        return conf.scheduler().store() == SchedulerStore.POSTGRESQL ? conf.scheduler().password() : "";
    }

    private static boolean hasTables(Connection c) throws SQLException {
        for (String name : new String[] {"QRTZ_TRIGGERS", "qrtz_triggers"}) {
            try (ResultSet rs = c.getMetaData().getTables(null, null, name, null)) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    private String schemaScript() throws IOException {
        String name = conf.scheduler().store() == SchedulerStore.POSTGRESQL ? "tables_postgres.sql" : "tables_h2.sql";
        try (InputStream in = org.quartz.impl.jdbcjobstore.JobStoreSupport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("Quartz's " + name + " is missing from its jar");
            }
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // Quartz's H2 script predates H2 2.x, which knows no IMAGE type.
            return conf.scheduler().store() == SchedulerStore.H2 ? script.replace(" IMAGE ", " BLOB ") : script;
        }
    }

    private static String stripComments(String statement) {
        StringBuilder sql = new StringBuilder();
        for (String line : statement.split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("--") && !trimmed.startsWith("#")) {
                sql.append(line).append('\n');
            }
        }
        return sql.toString().strip();
    }
}
