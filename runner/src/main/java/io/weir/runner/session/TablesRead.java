package io.weir.runner.session;

import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelVisitor;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.planner.operations.PlannerQueryOperation;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tables an INSERT reads, as Flink's planner resolves them: through views, joins, lookups and
 * subqueries, each by its qualified name (catalog, database, table).
 */
final class TablesRead {

    private TablesRead() {}

    static Set<List<String>> of(TableEnvironment tEnv, String insert) {
        Set<List<String>> tables = new LinkedHashSet<>();
        for (Operation operation : ((TableEnvironmentInternal) tEnv).getParser().parse(insert)) {
            if (operation instanceof ModifyOperation modify
                    && modify.getChild() instanceof PlannerQueryOperation query) {
                collect(query.getCalciteTree(), tables);
            }
        }
        return tables;
    }

    private static void collect(RelNode root, Set<List<String>> tables) {
        new RelVisitor() {
            @Override
            public void visit(RelNode node, int ordinal, RelNode parent) {
                if (node instanceof TableScan scan) {
                    RelOptTable table = scan.getTable();
                    tables.add(table.getQualifiedName());
                }
                node.accept(new RexShuttle() {
                    @Override
                    public RexNode visitSubQuery(RexSubQuery subQuery) {
                        collect(subQuery.rel, tables);
                        return super.visitSubQuery(subQuery);
                    }
                });
                super.visit(node, ordinal, parent);
            }
        }.go(root);
    }
}
