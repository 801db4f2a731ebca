package io.weir.runner.serving;

import org.apache.paimon.types.DataField;
import org.apache.paimon.types.DataType;
import org.apache.paimon.types.DecimalType;
import org.apache.paimon.types.LocalZonedTimestampType;
import org.apache.paimon.types.TimestampType;
import org.apache.paimon.types.VarCharType;

import java.util.List;

/** A lake table's columns as PostgreSQL (Hologres) column types, and its primary key. */
public record ServingColumns(List<Column> columns, List<String> primaryKey) {

    /** One column: name, PostgreSQL type as information_schema spells it, and NOT NULL. */
    public record Column(String name, String type, boolean notNull) {}

    public static ServingColumns of(List<DataField> fields, List<String> primaryKey) {
        return new ServingColumns(fields.stream()
                .map(f -> new Column(f.name(), postgresType(f.type()), !f.type().isNullable()))
                .toList(), primaryKey);
    }

    /** The type a Paimon column gets in the serving store. */
    static String postgresType(DataType type) {
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
}
