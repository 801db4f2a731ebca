package io.weir.runner.template;

import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.flink.sql.parser.dml.RichSqlInsert;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a query column named as one target column but standing where another one goes. INSERT
 * fills the table's columns by position, whatever the query calls them, so such a query writes its
 * values into the wrong columns: a partition value into a dimension column and the reverse (a
 * stream would write partitions named after advertisers), or two measures swapped. Batch and
 * stream would agree on the wrong numbers, so no recomputation could show them.
 */
final class InsertColumnOrder {

    private InsertColumnOrder() {}

    static void check(TemplateStatements statements, Path file) {
        List<String> tableColumns = statements.targetColumns().stream().map(c -> c.getName().getSimple()).toList();
        for (RichSqlInsert insert : statements.inserts()) {
            List<String> listed = LayerTemplate.names(insert.getTargetColumnList());
            List<String> targets = listed.isEmpty() ? tableColumns : listed;
            Optional<SqlSelect> select = leadingSelect(insert.getSource());
            if (select.isEmpty()) {
                continue;
            }
            List<SqlNode> items = select.get().getSelectList().getList();
            if (items.stream().anyMatch(InsertColumnOrder::isStar)) {
                continue; // positions past a star are not known before planning
            }
            for (int i = 0; i < Math.min(items.size(), targets.size()); i++) {
                Optional<String> name = nameOf(items.get(i));
                if (name.isEmpty() || name.get().equals(targets.get(i)) || !targets.contains(name.get())) {
                    continue;
                }
                throw new TemplateException(file, items.get(i).getParserPosition(), "the query's column " + (i + 1)
                        + " is named " + name.get() + ", but INSERT fills columns by position, not by name: it would go"
                        + " into " + targets.get(i) + ", while " + name.get() + " is column " + (targets.indexOf(name.get()) + 1)
                        + ". Put the query's columns in the order " + (listed.isEmpty() ? "of the table" : "of the INSERT's"
                        + " column list") + " (" + String.join(", ", targets) + ")");
            }
        }
    }

    /** The SELECT that names a query's columns: a set operation's are its first branch's. */
    private static Optional<SqlSelect> leadingSelect(SqlNode query) {
        if (query instanceof SqlSelect select) {
            return Optional.of(select);
        }
        if (query instanceof SqlOrderBy orderBy) {
            return leadingSelect(orderBy.query);
        }
        if (query instanceof SqlWith with) {
            return leadingSelect(with.body);
        }
        if (query instanceof SqlBasicCall call && query.getKind().belongsTo(SqlKind.SET_QUERY)) {
            return leadingSelect(call.operand(0));
        }
        return Optional.empty();
    }

    private static Optional<String> nameOf(SqlNode item) {
        if (item.getKind() == SqlKind.AS && item instanceof SqlBasicCall as && as.operand(1) instanceof SqlIdentifier alias) {
            return Optional.of(alias.getSimple());
        }
        if (item instanceof SqlIdentifier id && !id.isStar()) {
            return Optional.of(id.names.get(id.names.size() - 1));
        }
        return Optional.empty();
    }

    private static boolean isStar(SqlNode item) {
        return item instanceof SqlIdentifier id && id.isStar();
    }
}
