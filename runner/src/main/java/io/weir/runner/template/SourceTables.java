package io.weir.runner.template;

import io.weir.runner.conf.SourceConf;
import io.weir.runner.source.SourceKinds;
import io.weir.runner.source.SourceRead;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.ddl.SqlTableOption;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Completes a template's source tables (those whose {@code 'connector'} a source kind reads, such
 * as {@code 'mysql-cdc'}) with the connection of the conf's source, so templates name only the
 * table and stay free of hosts and secrets. Options the template sets itself win.
 */
final class SourceTables {

    private final SourceConf source;

    SourceTables(SourceConf source) {
        this.source = source;
    }

    static boolean isSourceTable(SqlNode node) {
        return node instanceof SqlCreateTable table && SourceKinds.completes(options(table));
    }

    /** The template's own choice of source, by name; Flink never sees the option. */
    static final String SOURCE_OPTION = "weir.source";

    static java.util.Optional<String> namedSource(SqlCreateTable table) {
        return java.util.Optional.ofNullable(options(table).get(SOURCE_OPTION));
    }

    static String connector(SqlCreateTable table) {
        return options(table).get("connector");
    }

    /** Adds the source's options the template leaves out; returns the table's options as completed. */
    Map<String, String> complete(SqlCreateTable table, SourceRead read) {
        table.getPropertyList().getList().removeIf(node -> ((SqlTableOption) node).getKeyString().equals(SOURCE_OPTION));
        Map<String, String> kindOptions = source.kind().tableOptions(source, read);
        if (read.bounded().isPresent()) {
            // A backfill's read must start and stop where the kind says: a template's or the conf's own
            // scan.startup.mode (latest-offset, say) would rebuild the partitions from almost nothing.
            table.getPropertyList().getList().removeIf(node -> kindOptions.containsKey(
                    ((SqlTableOption) node).getKeyString()) && ((SqlTableOption) node).getKeyString().startsWith("scan."));
        }
        Map<String, String> present = options(table);
        Map<String, String> confOptions = new LinkedHashMap<>(source.options());
        confOptions.keySet().removeIf(key -> !source.kind().takesOption(read, key));
        Map<String, String> added = new LinkedHashMap<>(confOptions);
        added.putAll(kindOptions);
        if (!read.bounded().isPresent()) {
            added.putAll(confOptions);
        }
        added.forEach((key, value) -> {
            if (!present.containsKey(key)) {
                table.getPropertyList().add(new SqlTableOption(SqlLiteral.createCharString(key, SqlParserPos.ZERO),
                        SqlLiteral.createCharString(value, SqlParserPos.ZERO), SqlParserPos.ZERO));
            }
        });
        return options(table);
    }

    static Map<String, String> options(SqlCreateTable table) {
        Map<String, String> options = new LinkedHashMap<>();
        for (SqlNode node : table.getPropertyList()) {
            SqlTableOption option = (SqlTableOption) node;
            options.put(option.getKeyString(), option.getValueString());
        }
        return options;
    }
}
