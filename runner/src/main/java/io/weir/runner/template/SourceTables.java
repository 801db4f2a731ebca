package io.weir.runner.template;

import io.weir.runner.conf.SourceConf;
import io.weir.runner.source.SourceKinds;
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
    private final int parallelism;
    private final boolean bounded;

    /**
     * @param bounded read what is there and finish (backfills), instead of reading on
     */
    SourceTables(SourceConf source, int parallelism, boolean bounded) {
        this.source = source;
        this.parallelism = parallelism;
        this.bounded = bounded;
    }

    static boolean isSourceTable(SqlNode node) {
        return node instanceof SqlCreateTable table && SourceKinds.isSourceConnector(connector(table));
    }

    static String connector(SqlCreateTable table) {
        return options(table).get("connector");
    }

    /**
     * @param slot distinct for every source table that may read at the same time
     */
    void complete(SqlCreateTable table, int slot) {
        Map<String, String> present = options(table);
        Map<String, String> added = new LinkedHashMap<>(source.kind().tableOptions(source, parallelism, slot, bounded));
        added.putAll(source.options());
        added.forEach((key, value) -> {
            if (!present.containsKey(key)) {
                table.getPropertyList().add(new SqlTableOption(SqlLiteral.createCharString(key, SqlParserPos.ZERO),
                        SqlLiteral.createCharString(value, SqlParserPos.ZERO), SqlParserPos.ZERO));
            }
        });
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
