package io.weir.runner.serving;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;
import org.apache.paimon.table.FileStoreTable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps serving tables equal to their lake tables. A streaming job per table reads the lake
 * table's changes and upserts them with the serving kind's connector; an overwrite commits no changes a
 * stream could read, so rewritten partitions are replaced in the serving table by
 * {@link #resync}, in one transaction.
 */
public final class ServingSync {

    private final PipelineConf conf;
    private final ServingConf serving;
    private final Lake lake;
    private final ServingStore store;

    public ServingSync(PipelineConf conf, Lake lake) {
        this.conf = conf;
        this.serving = conf.serving().orElseThrow(() -> new IllegalStateException("no serving section"));
        this.lake = lake;
        this.store = serving.store(conf.secrets());
    }

    /** The lake table's columns and key, as the serving table must have them. */
    public ServingColumns columns(String table) {
        return store.columns(lake.table(table));
    }

    /** Creates missing serving tables; refuses ones whose columns or key differ from the lake's. */
    public void ensureTables() {
        for (String table : serving.tables()) {
            store.ensureTable(table, columns(table));
        }
    }

    /** The streaming job of one table: read the lake table's changes, upsert them (and deletes) into serving. */
    public List<String> streamStatements(String table) {
        List<String> statements = new ArrayList<>(new Renderer(conf).catalogStatements());
        Map<String, String> options = new LinkedHashMap<>(serving.kind().sinkOptions(serving, table));
        options.putAll(serving.options());
        StringBuilder with = new StringBuilder();
        options.forEach((k, v) -> with.append(with.length() == 0 ? "" : ",\n  ").append(literal(k)).append(" = ").append(literal(v)));
        String lakeTable = "`" + Renderer.CATALOG + "`.`" + conf.warehouse().database() + "`.`" + table + "`";
        // Columns and key are the lake table's, without its partitioning: a serving sink takes none.
        FileStoreTable t = lake.table(table);
        StringBuilder columns = new StringBuilder();
        for (org.apache.paimon.types.DataField field : t.rowType().getFields()) {
            columns.append("  `").append(field.name()).append("` ").append(field.type().asSQLString()).append(",\n");
        }
        columns.append("  PRIMARY KEY (").append(String.join(", ", t.primaryKeys().stream().map(k -> "`" + k + "`").toList()))
                .append(") NOT ENFORCED");
        String sink = "`default_catalog`.`default_database`.`" + sinkName(table) + "`";
        statements.add("CREATE TEMPORARY TABLE " + sink + " (\n" + columns + "\n) WITH (\n  " + with + "\n)");
        statements.add("INSERT INTO " + sink + " SELECT * FROM " + lakeTable);
        return statements;
    }

    /**
     * Replaces the given partitions of the serving table with the lake's rows, atomically.
     *
     * @return rows now in those partitions
     */
    public long resync(String table, Collection<String> partitionValues) {
        if (partitionValues.isEmpty()) {
            return 0;
        }
        FileStoreTable t = lake.table(table);
        String column = t.partitionKeys().get(0);
        store.ensureTable(table, columns(table));
        List<String> values = List.copyOf(partitionValues);
        List<Map<String, Object>> rows = lake.rowsOfPartitions(table, values);
        return store.replacePartitions(table, columns(table), column, values, rows);
    }

    /** Every row the serving table holds now. */
    public List<Map<String, Object>> storeRows(String table) {
        return store.rowsOfPartitions(table, null, List.of());
    }

    static String sinkName(String table) {
        return "serving_" + table;
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
