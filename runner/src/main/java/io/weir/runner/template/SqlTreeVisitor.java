package io.weir.runner.template;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Visits every node of a parsed statement, Flink's DDL nodes included (Calcite's basic visitor
 * stops at calls it does not know); subclasses act on the nodes they care about.
 */
abstract class SqlTreeVisitor extends SqlBasicVisitor<Void> {

    @Override
    public Void visit(SqlCall call) {
        for (SqlNode operand : call.getOperandList()) {
            if (operand != null) {
                operand.accept(this);
            }
        }
        return null;
    }

    @Override
    public Void visit(SqlNodeList nodeList) {
        for (SqlNode node : nodeList) {
            if (node != null) {
                node.accept(this);
            }
        }
        return null;
    }
}
