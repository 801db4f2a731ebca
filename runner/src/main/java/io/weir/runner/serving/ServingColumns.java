package io.weir.runner.serving;

import org.apache.paimon.types.DataField;
import org.apache.paimon.types.DataType;

import java.util.List;
import java.util.function.BiFunction;

/** A lake table's columns as the serving store's column types, and its primary key. */
public record ServingColumns(List<Column> columns, List<String> primaryKey) {

    /** One column: name, the store's type as its catalog spells it, and NOT NULL. */
    public record Column(String name, String type, boolean notNull) {}

    /**
     * @param storeType the store's type of a lake type; the flag says whether the column is part of the key
     */
    public static ServingColumns of(List<DataField> fields, List<String> primaryKey,
            BiFunction<DataType, Boolean, String> storeType) {
        return new ServingColumns(fields.stream()
                .map(f -> new Column(f.name(), storeType.apply(f.type(), primaryKey.contains(f.name())),
                        !f.type().isNullable()))
                .toList(), primaryKey);
    }
}
