package io.weir.runner.serving;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.types.DataType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A serving store over JDBC: creates or verifies serving tables, replaces partitions atomically
 * and reads them back. What differs between stores (types, quoting, catalog queries, error
 * codes) is left to each kind's subclass. Every error names the serving table, never the password.
 */
public abstract class ServingStore {

    private static final int INSERT_BATCH = 1000;
    private static final int IN_LIST_BATCH = 1000;

    protected final ServingConf conf;
    private final Secrets secrets;

    protected ServingStore(ServingConf conf, Secrets secrets) {
        this.conf = conf;
        this.secrets = secrets;
    }

    /** The store's type of a lake column. */
    protected abstract String columnType(DataType type, boolean inKey);

    /** Fails with a clear message when the server is not the kind the conf says. */
    protected abstract void checkServer(Connection c, String table);

    /** The existing table's columns and their types, spelled as {@link #columnType} spells them; empty when missing. */
    protected abstract Map<String, String> existingColumns(Connection c, String table) throws SQLException;

    protected abstract List<String> existingPrimaryKey(Connection c, String table) throws SQLException;

    protected abstract String quote(String identifier);

    protected abstract String qualified(String table);

    protected abstract String jdbcUrl();

    /** Why a statement failed, in the user's terms; {@code null} for the driver's own message. */
    protected abstract String reason(SQLException e);

    /** Driver properties beyond user and password. */
    protected Map<String, String> connectionProperties() {
        return Map.of();
    }

    public Connection connect(String table) {
        Properties props = new Properties();
        props.setProperty("user", conf.username());
        props.setProperty("password", conf.password());
        connectionProperties().forEach(props::setProperty);
        try {
            return DriverManager.getConnection(jdbcUrl(), props);
        } catch (SQLException e) {
            throw failure(table, "cannot connect", e);
        }
    }

    /** The lake table's columns and key, as the serving table must have them. */
    public ServingColumns columns(FileStoreTable table) {
        return ServingColumns.of(table.rowType().getFields(), table.primaryKeys(), this::columnType);
    }

    /**
     * Makes sure the serving table exists with the lake table's columns and key: creates it when
     * missing, refuses it when its columns or key differ.
     */
    public void ensureTable(String table, ServingColumns lake) {
        try (Connection c = connect(table)) {
            checkServer(c, table);
            Map<String, String> existing = existingColumns(c, table);
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
            List<String> key = existingPrimaryKey(c, table);
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

    /** The serving table's rows of some partitions (all rows when {@code partitionColumn} is null). */
    public List<Map<String, Object>> rowsOfPartitions(String table, String partitionColumn, List<String> values) {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = connect(table)) {
            if (partitionColumn == null) {
                readRows(c, "SELECT * FROM " + qualified(table), List.of(), rows);
            } else {
                for (List<String> batch : batches(values)) {
                    readRows(c, "SELECT * FROM " + qualified(table) + " WHERE " + inList(partitionColumn, batch.size()),
                            batch, rows);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw failure(table, "cannot read partitions " + values, e);
        }
    }

    private static void readRows(Connection c, String sql, List<String> values, List<Map<String, Object>> rows)
            throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql)) {
            bind(select, values);
            try (ResultSet rs = select.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
        }
    }

    /**
     * Replaces the rows of the given partitions in one transaction: a reader sees all old rows or
     * all new ones, never a mix.
     *
     * @return rows inserted
     */
    public long replacePartitions(String table, ServingColumns columns, String partitionColumn, List<String> values,
            Iterable<Map<String, Object>> rows) {
        try (Connection c = connect(table)) {
            c.setAutoCommit(false);
            long inserted = 0;
            try (PreparedStatement insert = c.prepareStatement(insertSql(table, columns))) {
                for (List<String> batch : batches(values)) {
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + qualified(table) + " WHERE "
                            + inList(partitionColumn, batch.size()))) {
                        bind(delete, batch);
                        delete.executeUpdate();
                    }
                }
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

    /** The first column of a query's rows, its parameters bound as strings. */
    protected static List<String> strings(Connection c, String sql, String... parameters) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        return values;
    }

    /**
     * A long partition list in pieces: drivers cap a statement's parameters (PostgreSQL's at 65,535),
     * and a range of hourly partitions over years has more.
     */
    private static List<List<String>> batches(List<String> values) {
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < values.size(); i += IN_LIST_BATCH) {
            batches.add(values.subList(i, Math.min(values.size(), i + IN_LIST_BATCH)));
        }
        return batches;
    }

    private String inList(String column, int size) {
        return quote(column) + " IN (" + String.join(", ", Collections.nCopies(size, "?")) + ")";
    }

    private static void bind(PreparedStatement statement, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            statement.setString(i + 1, values.get(i));
        }
    }

    private String createTable(String table, ServingColumns lake) {
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + qualified(table) + " (");
        for (ServingColumns.Column column : lake.columns()) {
            ddl.append(quote(column.name())).append(' ').append(column.type())
                    .append(column.notNull() ? " NOT NULL" : "").append(", ");
        }
        ddl.append("PRIMARY KEY (").append(String.join(", ", lake.primaryKey().stream().map(this::quote).toList()))
                .append("))");
        return ddl.toString();
    }

    private String insertSql(String table, ServingColumns columns) {
        List<String> names = columns.columns().stream().map(col -> quote(col.name())).toList();
        return "INSERT INTO " + qualified(table) + " (" + String.join(", ", names) + ") VALUES ("
                + String.join(", ", Collections.nCopies(names.size(), "?")) + ")";
    }

    protected final WeirException failure(String table, String what, SQLException e) {
        String reason = reason(e);
        return WeirException.badInput(conf.describe(table) + ": " + what + ": "
                + secrets.mask(reason == null ? String.valueOf(e.getMessage()) : reason));
    }
}
