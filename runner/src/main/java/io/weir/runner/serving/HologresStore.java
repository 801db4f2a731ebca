package io.weir.runner.serving;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;
import org.apache.paimon.types.DataType;
import org.apache.paimon.types.DecimalType;
import org.apache.paimon.types.LocalZonedTimestampType;
import org.apache.paimon.types.TimestampType;
import org.apache.paimon.types.VarCharType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hologres, or PostgreSQL with Weir's Hologres emulation: the PostgreSQL protocol and catalog. */
final class HologresStore extends ServingStore {

    HologresStore(ServingConf conf, Secrets secrets) {
        super(conf, secrets);
    }

    @Override
    protected String jdbcUrl() {
        return HologresServing.jdbcUrl(conf);
    }

    @Override
    protected Map<String, String> connectionProperties() {
        return Map.of("connectTimeout", "10", "ApplicationName", "weir");
    }

    @Override
    protected String columnType(DataType type, boolean inKey) {
        switch (type.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                return type instanceof VarCharType v && v.getLength() < VarCharType.MAX_LENGTH
                        ? "character varying(" + v.getLength() + ")" : "text";
            case BOOLEAN:
                return "boolean";
            case TINYINT:
            case SMALLINT:
                return "smallint";
            case INTEGER:
                return "integer";
            case BIGINT:
                return "bigint";
            case FLOAT:
                return "real";
            case DOUBLE:
                return "double precision";
            case DECIMAL:
                DecimalType d = (DecimalType) type;
                return "numeric(" + d.getPrecision() + "," + d.getScale() + ")";
            case DATE:
                return "date";
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return "timestamp(" + ((TimestampType) type).getPrecision() + ") without time zone";
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return "timestamp(" + ((LocalZonedTimestampType) type).getPrecision() + ") with time zone";
            case BINARY:
            case VARBINARY:
                return "bytea";
            default:
                throw new IllegalArgumentException("no serving type for " + type.asSQLString());
        }
    }

    @Override
    protected void checkServer(Connection c, String table) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT hg_version()")) {
            rs.next();
        } catch (SQLException e) {
            throw WeirException.badInput(conf.describe(table) + ": the endpoint is not Hologres: it has no hg_version()"
                    + " (a PostgreSQL server needs Weir's Hologres emulation objects installed; see the README)");
        }
    }

    @Override
    protected Map<String, String> existingColumns(Connection c, String table) throws SQLException {
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

    @Override
    protected List<String> existingPrimaryKey(Connection c, String table) throws SQLException {
        return strings(c, "SELECT a.attname FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])"
                + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                + " ORDER BY array_position(i.indkey::int2[], a.attnum)", qualified(table));
    }

    @Override
    protected String qualified(String table) {
        return quote(conf.schema()) + "." + quote(table);
    }

    @Override
    protected String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    protected String reason(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08")) {
            return "the endpoint is unreachable (" + e.getMessage() + ")";
        } else if (state.equals("28P01") || state.equals("28000")) {
            return "authentication failed for user " + conf.username() + " (check serving.username and serving.password)";
        } else if (state.equals("3D000")) {
            return "database " + conf.database() + " does not exist";
        } else if (state.equals("42501")) {
            return "permission denied for user " + conf.username() + " (" + e.getMessage() + ")";
        }
        return null;
    }
}
