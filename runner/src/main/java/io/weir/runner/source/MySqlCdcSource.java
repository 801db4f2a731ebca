package io.weir.runner.source;

import io.weir.runner.WeirException;
import io.weir.runner.conf.SourceConf;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code source.type: mysql}: a MySQL (or MariaDB) server read through Flink CDC's
 * {@code mysql-cdc} connector: a snapshot, then the binlog. A backfill reads a bounded snapshot,
 * which the connector only runs as a streaming job with checkpoints, so it goes through staging.
 */
public class MySqlCdcSource implements SourceKind {

    @Override
    public String type() {
        return "mysql";
    }

    @Override
    public Set<String> connectors() {
        return Set.of("mysql-cdc");
    }

    @Override
    public Set<String> keys() {
        return Set.of("hostname", "port", "database", "username", "password", "server-id-start", "server-time-zone");
    }

    @Override
    public void validate(SourceConf conf, BiConsumer<String, String> problem) {
        if (conf.database() == null || conf.database().isBlank()) {
            problem.accept("source.database", "required: the MySQL database of the business tables");
        }
        try {
            java.time.ZoneId.of(conf.serverTimeZone());
        } catch (java.time.DateTimeException e) {
            problem.accept("source.server-time-zone", "expected a time zone such as UTC or Asia/Shanghai, got '"
                    + conf.serverTimeZone() + "'");
        }
    }

    @Override
    public Map<String, String> tableOptions(SourceConf conf, SourceRead read) {
        Map<String, String> added = new LinkedHashMap<>();
        added.put("hostname", conf.hostname());
        added.put("port", String.valueOf(conf.port()));
        added.put("username", conf.username());
        added.put("password", conf.password());
        added.put("database-name", conf.database());
        added.put("server-time-zone", conf.serverTimeZone());
        // MySQL drops the older of two binlog clients with the same server id.
        int first = conf.serverIdStart() + read.slot() * read.parallelism();
        added.put("server-id", first + "-" + (first + read.parallelism() - 1));
        if (read.bounded().isPresent()) {
            added.put("scan.startup.mode", "snapshot");
        }
        return added;
    }

    /**
     * Connects as the job would and finds the table, so that a wrong password, a missing database or
     * table, or a binlog CDC cannot read fails here with one line instead of inside a Flink job.
     */
    @Override
    public void checkRead(SourceConf conf, Map<String, String> tableOptions, SourceRead read) {
        String host = tableOptions.getOrDefault("hostname", conf.hostname());
        String port = tableOptions.getOrDefault("port", String.valueOf(conf.port()));
        String user = tableOptions.getOrDefault("username", conf.username());
        String database = tableOptions.getOrDefault("database-name", conf.database());
        String table = tableOptions.get("table-name");
        String where = "table " + read.table() + ": MySQL at " + host + ":" + port;
        // As the connector connects: its defaults, then the table's own jdbc.properties.* (SSL and the like).
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("useSSL", "false");
        properties.setProperty("allowPublicKeyRetrieval", "true");
        tableOptions.forEach((key, value) -> {
            if (key.startsWith(JDBC_PROPERTIES)) {
                properties.setProperty(key.substring(JDBC_PROPERTIES.length()), value);
            }
        });
        properties.setProperty("connectTimeout", String.valueOf(CHECK_TIMEOUT_MS));
        properties.setProperty("socketTimeout", String.valueOf(CHECK_TIMEOUT_MS));
        properties.setProperty("user", user);
        properties.setProperty("password", tableOptions.getOrDefault("password", conf.password()));
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + host + ":" + port + "/", properties)) {
            if (table != null) {
                List<String[]> matched = matchingTables(c, database, table);
                if (matched.isEmpty()) {
                    throw WeirException.badInput(where + ": no table matches '" + table + "' in database '" + database + "'");
                }
                for (String[] found : matched) {
                    checkColumns(c, where, found[0], found[1], read.columns());
                }
            }
            checkTimeZone(c, where, conf, tableOptions.getOrDefault("server-time-zone", conf.serverTimeZone()));
            if (read.bounded().isEmpty()) {
                String format = variable(c, "binlog_format");
                if (format != null && !format.equalsIgnoreCase("ROW")) {
                    throw WeirException.badInput(where + ": binlog_format is " + format
                            + ", and Flink CDC reads changes only from a ROW binlog (SET GLOBAL binlog_format = 'ROW')");
                }
            }
        } catch (SQLException e) {
            throw WeirException.badInput(where + ": " + reason(e, user, database));
        } catch (java.util.regex.PatternSyntaxException e) {
            throw WeirException.badInput(where + ": 'database-name' or 'table-name' is not a regular expression: "
                    + e.getDescription());
        }
    }

    /**
     * The connector refuses a server whose clock is off the configured zone by more than half an hour,
     * but only inside the running job, after restarts; and its DATETIME values are that zone's wall
     * clock, which partitions and closing read. So the same check runs here, before any job.
     */
    private static void checkTimeZone(Connection c, String where, SourceConf conf, String zone) throws SQLException {
        java.time.ZoneId zoneId;
        try {
            zoneId = java.time.ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            return; // the conf's own check names it
        }
        try (PreparedStatement s = c.prepareStatement("SELECT TIME_TO_SEC(TIMEDIFF(NOW(), UTC_TIMESTAMP()))");
                ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                return;
            }
            int server = rs.getInt(1);
            int configured = zoneId.getRules().getOffset(java.time.Instant.now()).getTotalSeconds();
            if (Math.abs(server - configured) > TIME_ZONE_TOLERANCE_SECONDS) {
                String key = ("source".equals(conf.name()) ? "source." : "sources." + conf.name() + ".") + "server-time-zone";
                throw WeirException.badInput(where + ": the server's clock is at UTC" + offset(server) + ", but " + key
                        + " " + zone + " is at UTC" + offset(configured) + " now; Flink CDC would refuse the server"
                        + " once the job runs, and DATETIME values, partitions and closing follow that zone: set " + key
                        + " to the server's zone (SELECT @@global.time_zone, @@system_time_zone names it)");
            }
        }
    }

    private static final int TIME_ZONE_TOLERANCE_SECONDS = 1800;

    private static String offset(int seconds) {
        return java.time.ZoneOffset.ofTotalSeconds(seconds).getId().replace("Z", "+00:00");
    }

    private static final int CHECK_TIMEOUT_MS = 10_000;
    private static final String JDBC_PROPERTIES = "jdbc.properties.";

    /** Schema and name of each table the connector would read: both names are regular expressions to Flink CDC. */
    private static List<String[]> matchingTables(Connection c, String database, String table) throws SQLException {
        java.util.regex.Pattern databases = java.util.regex.Pattern.compile(database);
        java.util.regex.Pattern tables = java.util.regex.Pattern.compile(table);
        // A plain database name narrows the scan to it; a pattern has to look at every schema.
        boolean plain = database.matches("[A-Za-z0-9_$]+");
        List<String[]> matched = new java.util.ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
                + " WHERE TABLE_TYPE = 'BASE TABLE'" + (plain ? " AND TABLE_SCHEMA = ?" : ""))) {
            if (plain) {
                s.setString(1, database);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String schema = rs.getString(1);
                    String name = rs.getString(2);
                    if (databases.matcher(schema).matches()
                            && (tables.matcher(name).matches() || tables.matcher(schema + "." + name).matches())) {
                        matched.add(new String[] {schema, name});
                    }
                }
            }
        }
        return matched;
    }

    /**
     * The connector fills a declared column the table does not have with NULL in every row, and
     * says nothing: such a column is refused here.
     */
    private static void checkColumns(Connection c, String where, String schema, String table, List<String> declared)
            throws SQLException {
        if (declared.isEmpty()) {
            return;
        }
        List<String> actual = new java.util.ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            s.setString(1, schema);
            s.setString(2, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actual.add(rs.getString(1));
                }
            }
        }
        // The connector looks each column up in Debezium's row by its exact name: MySQL's own
        // case-insensitivity does not carry over, and `BUY_FEE` for buy_fee reads NULL.
        List<String> missing = declared.stream().filter(name -> !actual.contains(name)).toList();
        if (!missing.isEmpty()) {
            List<String> hints = new java.util.ArrayList<>();
            for (String name : missing) {
                actual.stream().filter(a -> a.equalsIgnoreCase(name)).findFirst().ifPresent(a -> hints.add(name + " -> " + a));
            }
            throw WeirException.badInput(where + ": table " + schema + "." + table + " has no column"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing) + " (its columns: "
                    + String.join(", ", actual) + ")" + (hints.isEmpty() ? ""
                            : "; names are matched exactly, case included: " + String.join(", ", hints))
                    + ". The connector would read NULL for " + (missing.size() > 1 ? "them" : "it")
                    + " in every row: declare the table's columns as MySQL names them");
        }
    }

    private static String variable(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SHOW VARIABLES LIKE ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(2) : null;
            }
        }
    }

    private static String reason(SQLException e, String user, String database) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        if (state.startsWith("08")) {
            return "cannot connect: the server is unreachable (" + first + ")";
        }
        return switch (e.getErrorCode()) {
            case 1045 -> "authentication failed for user " + user + " (check the source's username and password)";
            case 1044, 1142 -> "permission denied for user " + user + " (" + first + ")";
            default -> "cannot read database " + database + ": " + first;
        };
    }

    @Override
    public boolean stagesBoundedReads() {
        return true;
    }

    @Override
    public String upstreamRecord(SourceConf conf) {
        return "mysql:" + conf.database();
    }

    @Override
    public String label(SourceConf conf) {
        return "source " + conf.hostname() + ":" + conf.port() + "/" + conf.database();
    }

    @Override
    public Optional<String> probeUrl(SourceConf conf, int timeoutSeconds) {
        if (conf.hostname() == null) {
            return Optional.empty();
        }
        return Optional.of("jdbc:mysql://" + conf.hostname() + ":" + conf.port() + "/" + conf.database()
                + "?useSSL=false&allowPublicKeyRetrieval=true&connectTimeout=" + timeoutSeconds * 1000
                + "&socketTimeout=" + timeoutSeconds * 1000);
    }
}
