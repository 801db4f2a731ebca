package io.weir.runner.template;

import io.weir.runner.conf.SourceConf;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.ddl.SqlTableOption;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Completes a template's {@code 'connector' = 'mysql-cdc'} tables with the connection of the
 * conf's source, so templates name only the table and stay free of hosts and secrets. Options the
 * template sets itself win.
 */
final class SourceTables {

    static final String CDC_CONNECTOR = "mysql-cdc";

    private final SourceConf source;
    private final int parallelism;
    private final boolean bounded;

    /**
     * @param bounded read a snapshot of the table and finish (backfills), instead of snapshot then binlog
     */
    SourceTables(SourceConf source, int parallelism, boolean bounded) {
        this.source = source;
        this.parallelism = parallelism;
        this.bounded = bounded;
    }

    static boolean isCdcTable(SqlNode node) {
        return node instanceof SqlCreateTable && CDC_CONNECTOR.equals(options((SqlCreateTable) node).get("connector"));
    }

    /**
     * @param serverIdSlot distinct for every CDC table that may read at the same time: MySQL drops
     *     the older of two binlog clients with the same server id
     */
    void complete(SqlCreateTable table, int serverIdSlot) {
        Map<String, String> present = options(table);
        Map<String, String> added = new LinkedHashMap<>();
        added.put("hostname", source.hostname());
        added.put("port", String.valueOf(source.port()));
        added.put("username", source.username());
        added.put("password", source.password());
        added.put("database-name", source.database());
        added.put("server-time-zone", source.serverTimeZone());
        int first = source.serverIdStart() + serverIdSlot * parallelism;
        added.put("server-id", first + "-" + (first + parallelism - 1));
        if (bounded) {
            added.put("scan.startup.mode", "snapshot");
        }
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
