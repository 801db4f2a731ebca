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
            try (Connection c = DriverManager.getConnection(jdbcUrl(), user(), password())) {
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
                throw WeirException.badInput("another `weir schedule` runs on the scheduler store " + describe()
                        + " (its H2 file is locked): stop it first, or give this one its own scheduler.dir");
            }
            throw WeirException.badInput("cannot open the scheduler store " + describe() + ": "
                    + conf.secrets().mask(e.getMessage().lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw WeirException.badInput("cannot create the scheduler store directory " + scheduler.dir() + ": " + e);
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
