package io.weir.runner.serving;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The serving store over JDBC (Hologres speaks the PostgreSQL protocol): checks that it is
 * Hologres, creates or verifies serving tables, and replaces partitions atomically. Every error
 * names the serving table and endpoint, never the password.
 */
public final class ServingStore {

    private static final int INSERT_BATCH = 1000;

    private final ServingConf conf;
    private final Secrets secrets;

    public ServingStore(ServingConf conf, Secrets secrets) {
        this.conf = conf;
        this.secrets = secrets;
    }

    public Connection connect(String table) {
        Properties props = new Properties();
        props.setProperty("user", conf.username());
        props.setProperty("password", conf.password());
        props.setProperty("connectTimeout", "10");
        props.setProperty("ApplicationName", "weir");
        try {
            return DriverManager.getConnection(conf.jdbcUrl(), props);
        } catch (SQLException e) {
            throw failure(table, "cannot connect", e);
        }
    }

    /**
     * Makes sure the serving table exists with the lake table's columns and key: creates it when
     * missing, refuses it when its columns or key differ.
     */
    public void ensureTable(String table, ServingColumns lake) {
        try (Connection c = connect(table)) {
            checkHologres(c, table);
            Map<String, String> existing = columns(c, table);
            if (existing.isEmpty()) {
                try (Statement s = c.createStatement()) {
                    s.execute(createTable(table, lake));
                }
                return;
            }
            List<String> problems = new ArrayList<>();
            Map<String, String> expected = new LinkedHashMap<>();
            lake.columns().forEach(col -> expected.put(col.name(), col.type()));
            expected.forEach((name, type) -> {
                String actual = existing.get(name);
                if (actual == null) {
                    problems.add("column " + name + " (" + type + ") is missing");
                } else if (!actual.equals(type)) {
                    problems.add("column " + name + " is " + actual + ", the lake has " + type);
                }
            });
            existing.keySet().stream().filter(name -> !expected.containsKey(name))
                    .forEach(name -> problems.add("column " + name + " is not in the lake table"));
            List<String> key = primaryKey(c, table);
            if (!key.equals(lake.primaryKey())) {
                problems.add("primary key is " + (key.isEmpty() ? "missing" : "(" + String.join(", ", key) + ")")
                        + ", the lake's is (" + String.join(", ", lake.primaryKey()) + ")");
            }
            if (!problems.isEmpty()) {
                throw WeirException.badInput(conf.describe(table) + " does not match lake table " + table + ": "
                        + String.join("; ", problems) + ". Drop it to let Weir create it, or fix it by hand.");
            }
        } catch (SQLException e) {
            throw failure(table, "cannot check the table", e);
        }
    }

    /**
     * Replaces the rows of the given partitions in one transaction: a reader sees all old rows or
     * all new ones, never a mix.
     *
     * @return rows inserted
     */
    /** The serving table's rows of some partitions (all rows when {@code partitionColumn} is null). */
    public List<Map<String, Object>> rowsOfPartitions(String table, String partitionColumn, List<String> values) {
        String sql = "SELECT * FROM " + qualified(table)
                + (partitionColumn == null ? "" : " WHERE " + quote(partitionColumn) + " = ANY (?)");
        try (Connection c = connect(table); PreparedStatement select = c.prepareStatement(sql)) {
            if (partitionColumn != null) {
                select.setArray(1, c.createArrayOf("text", values.toArray()));
            }
            List<Map<String, Object>> rows = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = select.executeQuery()) {
                java.sql.ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnName(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw failure(table, "cannot read partitions " + values, e);
        }
    }

    public long replacePartitions(String table, ServingColumns columns, String partitionColumn, List<String> values,
            Iterable<Map<String, Object>> rows) {
        try (Connection c = connect(table)) {
            c.setAutoCommit(false);
            long inserted = 0;
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + qualified(table) + " WHERE "
                    + quote(partitionColumn) + " = ANY (?)");
                    PreparedStatement insert = c.prepareStatement(insertSql(table, columns))) {
                delete.setArray(1, c.createArrayOf("text", values.toArray()));
                delete.executeUpdate();
                int pending = 0;
                for (Map<String, Object> row : rows) {
                    int i = 1;
                    for (ServingColumns.Column column : columns.columns()) {
                        insert.setObject(i++, row.get(column.name()));
                    }
                    insert.addBatch();
                    inserted++;
                    if (++pending == INSERT_BATCH) {
                        insert.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    insert.executeBatch();
                }
                c.commit();
                return inserted;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure(table, "cannot replace partitions " + values, e);
        }
    }

    private void checkHologres(Connection c, String table) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT hg_version()")) {
            rs.next();
        } catch (SQLException e) {
            throw WeirException.badInput(conf.describe(table) + ": the endpoint is not Hologres: it has no hg_version()"
                    + " (a PostgreSQL server needs Weir's Hologres emulation objects installed; see the README)");
        }
    }

    private Map<String, String> columns(Connection c, String table) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT column_name, data_type, character_maximum_length,"
                + " numeric_precision, numeric_scale, datetime_precision FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
            s.setString(1, conf.schema());
            s.setString(2, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    switch (type) {
                        case "numeric" -> type = rs.getObject(4) == null ? "numeric"
                                : "numeric(" + rs.getInt(4) + "," + rs.getInt(5) + ")";
                        case "character varying" -> type = rs.getObject(3) == null ? "text"
                                : "character varying(" + rs.getInt(3) + ")";
                        case "timestamp without time zone" -> type = "timestamp(" + rs.getInt(6) + ") without time zone";
                        case "timestamp with time zone" -> type = "timestamp(" + rs.getInt(6) + ") with time zone";
                        default -> { }
                    }
                    columns.put(rs.getString(1), type);
                }
            }
        }
        return columns;
    }

    private List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT a.attname FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])"
                + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                + " ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
            s.setString(1, qualified(table));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    private String createTable(String table, ServingColumns lake) {
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + qualified(table) + " (");
        for (ServingColumns.Column column : lake.columns()) {
            ddl.append(quote(column.name())).append(' ').append(column.type())
                    .append(column.notNull() ? " NOT NULL" : "").append(", ");
        }
        ddl.append("PRIMARY KEY (").append(String.join(", ", lake.primaryKey().stream().map(ServingStore::quote).toList()))
                .append("))");
        return ddl.toString();
    }

    private String insertSql(String table, ServingColumns columns) {
        List<String> names = columns.columns().stream().map(col -> quote(col.name())).toList();
        return "INSERT INTO " + qualified(table) + " (" + String.join(", ", names) + ") VALUES ("
                + String.join(", ", names.stream().map(n -> "?").toList()) + ")";
    }

    private String qualified(String table) {
        return quote(conf.schema()) + "." + quote(table);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private WeirException failure(String table, String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String reason;
        if (state.startsWith("08")) {
            reason = "the endpoint is unreachable (" + e.getMessage() + ")";
        } else if (state.equals("28P01") || state.equals("28000")) {
            reason = "authentication failed for user " + conf.username() + " (check serving.username and serving.password)";
        } else if (state.equals("3D000")) {
            reason = "database " + conf.database() + " does not exist";
        } else if (state.equals("42501")) {
            reason = "permission denied for user " + conf.username() + " (" + e.getMessage() + ")";
        } else {
            reason = e.getMessage();
        }
        return WeirException.badInput(conf.describe(table) + ": " + what + ": " + secrets.mask(reason));
    }
}
