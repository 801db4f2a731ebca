package io.weir.runner.serving;

import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;
import org.apache.paimon.types.BinaryType;
import org.apache.paimon.types.CharType;
import org.apache.paimon.types.DataType;
import org.apache.paimon.types.DecimalType;
import org.apache.paimon.types.LocalZonedTimestampType;
import org.apache.paimon.types.TimestampType;
import org.apache.paimon.types.VarBinaryType;
import org.apache.paimon.types.VarCharType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A MySQL-protocol store (TiDB, MySQL, MariaDB) in the database of the URL. Types are spelled as
 * {@code information_schema.COLUMNS.COLUMN_TYPE} spells them, without the integer display widths
 * that MariaDB and TiDB add.
 */
final class MySqlStore extends ServingStore {

    /** An unbounded STRING in the key: InnoDB and TiDB index at most 3072 bytes, 768 utf8mb4 characters. */
    static final int KEY_STRING_LENGTH = 255;

    private final JdbcServing.Url url;

    MySqlStore(ServingConf conf, Secrets secrets) {
        super(conf, secrets);
        this.url = JdbcServing.Url.parse(conf.url());
    }

    @Override
    protected String jdbcUrl() {
        return conf.url();
    }

    @Override
    protected Map<String, String> connectionProperties() {
        return Map.of("connectTimeout", "10000", "rewriteBatchedStatements", "true");
    }

    @Override
    protected String columnType(DataType type, boolean inKey) {
        switch (type.getTypeRoot()) {
            case CHAR:
                return "char(" + ((CharType) type).getLength() + ")";
            case VARCHAR:
                int length = ((VarCharType) type).getLength();
                if (length < VarCharType.MAX_LENGTH) {
                    return "varchar(" + length + ")";
                }
                return inKey ? "varchar(" + KEY_STRING_LENGTH + ")" : "longtext";
            case BOOLEAN:
                return "tinyint(1)";
            case TINYINT:
                return "tinyint";
            case SMALLINT:
                return "smallint";
            case INTEGER:
                return "int";
            case BIGINT:
                return "bigint";
            case FLOAT:
                return "float";
            case DOUBLE:
                return "double";
            case DECIMAL:
                DecimalType d = (DecimalType) type;
                return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
            case DATE:
                return "date";
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return withPrecision("datetime", ((TimestampType) type).getPrecision());
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return withPrecision("timestamp", ((LocalZonedTimestampType) type).getPrecision());
            case BINARY:
                return "binary(" + ((BinaryType) type).getLength() + ")";
            case VARBINARY:
                int bytes = ((VarBinaryType) type).getLength();
                return bytes < VarBinaryType.MAX_LENGTH ? "varbinary(" + bytes + ")" : "longblob";
            default:
                throw new IllegalArgumentException("no serving type for " + type.asSQLString());
        }
    }

    private static String withPrecision(String type, int precision) {
        return precision == 0 ? type : type + "(" + precision + ")";
    }

    /** COLUMN_TYPE as {@link #columnType} spells it: {@code bigint(20)} is {@code bigint}, {@code tinyint(1)} stays. */
    static String normalized(String columnType) {
        String type = columnType.toLowerCase(Locale.ROOT).trim();
        int open = type.indexOf('(');
        if (open > 0 && !type.equals("tinyint(1)")) {
            String base = type.substring(0, open);
            if (List.of("tinyint", "smallint", "mediumint", "int", "bigint").contains(base)) {
                return base + type.substring(type.indexOf(')') + 1);
            }
        }
        return type;
    }

    @Override
    protected void checkServer(Connection c, String table) {
        // Any server of the MySQL protocol will do.
    }

    @Override
    protected Map<String, String> existingColumns(Connection c, String table) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            s.setString(1, url.database());
            s.setString(2, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), normalized(rs.getString(2)));
                }
            }
        }
        return columns;
    }

    @Override
    protected List<String> existingPrimaryKey(Connection c, String table) throws SQLException {
        return strings(c, "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION", url.database(), table);
    }

    @Override
    protected String qualified(String table) {
        return quote(url.database()) + "." + quote(table);
    }

    @Override
    protected String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    @Override
    protected String reason(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08")) {
            return "the server is unreachable (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        return switch (e.getErrorCode()) {
            case 1045 -> "authentication failed for user " + conf.username()
                    + " (check serving.username and serving.password)";
            case 1049 -> "database " + url.database() + " does not exist";
            case 1044, 1142 -> "permission denied for user " + conf.username() + " (" + e.getMessage() + ")";
            default -> null;
        };
    }
}
