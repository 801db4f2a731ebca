package io.weir.runner.template;

import org.apache.calcite.sql.SqlCharStringLiteral;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;

import java.util.ArrayList;
import java.util.List;

/** Collects every string literal of a parsed statement, with the position the parser gave it. */
final class StringLiterals extends SqlTreeVisitor {

    private final List<SqlCharStringLiteral> found = new ArrayList<>();

    static List<SqlCharStringLiteral> of(SqlNode node) {
        StringLiterals visitor = new StringLiterals();
        node.accept(visitor);
        return visitor.found;
    }

    @Override
    public Void visit(SqlLiteral literal) {
        if (literal instanceof SqlCharStringLiteral) {
            found.add((SqlCharStringLiteral) literal);
        }
        return null;
    }
}
