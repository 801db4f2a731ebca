package io.weir.runner.template;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlHint;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;

/**
 * Removes LOOKUP hints from a query. They tune retries of a streaming lookup join whose
 * dimension may lag behind; Flink's batch planner rejects them ("Unknown join strategy"), and a
 * batch job reads complete tables, so batch renderings drop them.
 */
final class LookupHints extends SqlTreeVisitor {

    static final String LOOKUP = "LOOKUP";

    static void removeFrom(SqlNode query) {
        query.accept(new LookupHints());
    }

    @Override
    public Void visit(SqlCall call) {
        if (call instanceof SqlSelect) {
            SqlSelect select = (SqlSelect) call;
            if (select.getHints() != null && select.getHints().size() > 0) {
                SqlNodeList kept = new SqlNodeList(select.getHints().getParserPosition());
                for (SqlNode hint : select.getHints()) {
                    if (!LOOKUP.equalsIgnoreCase(((SqlHint) hint).getName())) {
                        kept.add(hint);
                    }
                }
                select.setHints(kept);
            }
        }
        return super.visit(call);
    }
}
