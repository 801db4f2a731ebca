package io.weir.runner.template;

import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.ddl.SqlTableColumn.SqlRegularColumn;
import org.apache.flink.sql.parser.ddl.constraint.SqlTableConstraint;
import org.apache.flink.sql.parser.dml.RichSqlInsert;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a partial-update table whose column is written by several INSERTs and merged by nothing.
 *
 * <p>Paimon keeps, for a column outside every sequence group, whatever the last written record
 * says (an aggregate function needs a group too). Which input writes last differs between the
 * stream and a batch run of the same rows, so the two would disagree, and a sealed partition would
 * not be its batch recomputation.
 */
final class PartialUpdateWriters {

    private static final String FIELDS = "fields.";
    private static final String SEQUENCE_GROUP = ".sequence-group";

    private PartialUpdateWriters() {
    }

    static void check(TemplateStatements statements, Path file) {
        List<RichSqlInsert> inserts = statements.inserts();
        SqlCreateTable ddl = statements.targetDdl();
        Map<String, String> options = SourceTables.options(ddl);
        if (inserts.size() < 2 || !"partial-update".equals(options.get("merge-engine"))
                || options.containsKey("sequence.field")) {
            return;
        }
        Set<String> merged = mergedColumns(options, ddl);
        for (SqlRegularColumn column : statements.targetColumns()) {
            String name = column.getName().getSimple();
            List<Integer> writers = new ArrayList<>();
            for (int i = 0; i < inserts.size(); i++) {
                List<String> listed = LayerTemplate.names(inserts.get(i).getTargetColumnList());
                if (listed.isEmpty() || listed.contains(name)) {
                    writers.add(i);
                }
            }
            if (writers.size() > 1 && !merged.contains(name.toLowerCase(Locale.ROOT))) {
                throw new TemplateException(file, inserts.get(writers.get(1)).getParserPosition(), "column " + name
                        + " of partial-update table " + LayerTemplate.lastName(ddl.getTableName()) + " is written by "
                        + writers.size() + " INSERTs but belongs to no sequence group: it would keep whichever"
                        + " input wrote last, and that differs between stream and batch. Add it to a group"
                        + " ('fields.<sequence column>.sequence-group'), or make it its own sequence field to keep"
                        + " its largest value ('fields." + name + ".sequence-group' = '" + name + "')");
            }
        }
    }

    /** Key columns, sequence fields and their groups' members, lower-cased. */
    private static Set<String> mergedColumns(Map<String, String> options, SqlCreateTable ddl) {
        Set<String> merged = new HashSet<>();
        for (SqlTableConstraint constraint : ddl.getFullConstraints()) {
            if (constraint.isPrimaryKey()) {
                Arrays.stream(constraint.getColumnNames()).forEach(c -> merged.add(c.toLowerCase(Locale.ROOT)));
            }
        }
        options.forEach((key, value) -> {
            if (!key.startsWith(FIELDS)) {
                return;
            }
            if (key.endsWith(SEQUENCE_GROUP)) {
                String fields = key.substring(FIELDS.length(), key.length() - SEQUENCE_GROUP.length());
                split(fields, merged);
                split(value, merged);
            }
        });
        return merged;
    }

    private static void split(String list, Set<String> into) {
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                into.add(part.trim().toLowerCase(Locale.ROOT));
            }
        }
    }
}
