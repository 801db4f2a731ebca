package io.weir.runner.template;

import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where in a template the part lies that Flink's planner refused. The planner validates the
 * rendered statement (parameters bound, printed again by Flink's unparser), so its line and column
 * count in that text, not in the user's file: the refused part is cut out of the rendered
 * statement and looked up among the template's own parsed nodes, whose positions are the file's.
 */
public final class PlannerErrorPosition {

    /** Calcite's prefix on a validation error, the span counted in the validated statement. */
    private static final Pattern SPAN = Pattern.compile("From line (\\d+), column (\\d+) to line (\\d+), column (\\d+): ");

    private PlannerErrorPosition() {}

    /**
     * @param template  the template's text, as {@link LayerTemplate} reads it
     * @param statement the rendered statement the planner refused
     * @param error     the planner's error; the validator's span sits on one of its causes
     * @return the position in the template of the node that prints as the refused part, the same
     *     occurrence of it in text order, if any node does
     */
    public static Optional<SqlParserPos> locate(String template, Path file, String statement, Throwable error) {
        Matcher span = null;
        for (Throwable t = error; t != null && span == null; t = t.getCause() == t ? null : t.getCause()) {
            Matcher candidate = SPAN.matcher(String.valueOf(t.getMessage()));
            span = candidate.find() ? candidate : null;
        }
        if (span == null) {
            return quotedLiteral(template, file, error);
        }
        int line = Integer.parseInt(span.group(1));
        int column = Integer.parseInt(span.group(2));
        Optional<String> refused = cut(statement, line, column, Integer.parseInt(span.group(3)),
                Integer.parseInt(span.group(4)));
        if (refused.isEmpty()) {
            return Optional.empty();
        }
        List<SqlNode> statements;
        List<SqlNode> rendered;
        try {
            statements = FlinkSql.parseStatements(template, file);
            rendered = FlinkSql.parseStatements(statement, Path.of("rendered"));
        } catch (RuntimeException e) {
            return Optional.empty(); // a template that no longer parses has its own error
        }
        String wanted = normalized(refused.get());
        // The same text can appear more than once (a column in SELECT and WHERE, which Calcite checks
        // first): the refused one is the same occurrence, in text order, in the template.
        long before = positions(nodes(rendered), node -> printsAs(node, wanted)).stream()
                .filter(pos -> pos.getLineNum() < line || pos.getLineNum() == line && pos.getColumnNum() < column).count();
        // The same name can be a column of the target's DDL and a refused reference in the INSERT.
        Optional<org.apache.calcite.sql.SqlKind> kind = rendered.size() == 1 ? Optional.of(rendered.get(0).getKind())
                : Optional.empty();
        List<SqlNode> sameKind = statements.stream().filter(st -> kind.isPresent() && st.getKind() == kind.get()).toList();
        for (List<SqlNode> candidates : List.of(sameKind, statements)) {
            List<SqlParserPos> same = positions(nodes(candidates), node -> printsAs(node, wanted));
            if (!same.isEmpty()) {
                return Optional.of(same.get((int) Math.min(before, same.size() - 1)));
            }
        }
        // The renderer may qualify a table's name; the name the user wrote is still its last part.
        if (name(refused.get()).isPresent()) {
            String last = normalized(name(refused.get()).get());
            for (List<SqlNode> candidates : List.of(sameKind, statements)) {
                List<SqlParserPos> named = positions(nodes(candidates), node -> node instanceof SqlIdentifier id
                        && !id.isStar() && last.equals(normalized(id.names.get(id.names.size() - 1))));
                if (!named.isEmpty()) {
                    return Optional.of(named.get(0));
                }
            }
        }
        return Optional.empty();
    }

    /** A quoted word in an error message, as Flink quotes an option's value ('debezium-jsn'). */
    private static final Pattern QUOTED = Pattern.compile("'([^'\\s]{1,200})'");

    /**
     * For an error without a span (a connector or format that no factory has, an option's bad value):
     * the string literal of the template whose value the message quotes, when exactly one literal has it.
     */
    private static Optional<SqlParserPos> quotedLiteral(String template, Path file, Throwable error) {
        List<SqlNode> literals;
        try {
            literals = nodes(FlinkSql.parseStatements(template, file)).stream()
                    .filter(node -> node instanceof org.apache.calcite.sql.SqlCharStringLiteral).toList();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Matcher quoted = QUOTED.matcher(String.valueOf(t.getMessage()));
            while (quoted.find()) {
                String word = quoted.group(1);
                List<SqlParserPos> same = positions(literals, node ->
                        word.equals(((org.apache.calcite.sql.SqlCharStringLiteral) node).getValueAs(String.class)));
                if (same.size() == 1) {
                    return Optional.of(same.get(0));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean printsAs(SqlNode node, String wanted) {
        try {
            return normalized(FlinkSql.unparse(node)).equals(wanted);
        } catch (RuntimeException e) {
            return false; // a node that cannot be printed on its own
        }
    }

    /** The last part of the refused text when it is a name, as Flink's parser reads it. */
    private static Optional<String> name(String refused) {
        try {
            return FlinkSql.parseExpression(refused) instanceof SqlIdentifier id && !id.isStar()
                    ? Optional.of(id.names.get(id.names.size() - 1)) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The positions of the matching nodes, in text order. */
    private static List<SqlParserPos> positions(List<SqlNode> nodes, java.util.function.Predicate<SqlNode> matches) {
        return nodes.stream()
                .filter(node -> node.getParserPosition() != null && node.getParserPosition().getLineNum() > 0)
                .filter(matches)
                .map(SqlNode::getParserPosition)
                .distinct()
                .sorted(java.util.Comparator.comparingInt(SqlParserPos::getLineNum).thenComparingInt(SqlParserPos::getColumnNum))
                .toList();
    }

    /** The text between two 1-based positions, both ends included, as Calcite counts them. */
    static Optional<String> cut(String text, int line, int column, int endLine, int endColumn) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || endLine > lines.length || endLine < line) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder();
        for (int l = line; l <= endLine; l++) {
            String current = lines[l - 1];
            int from = l == line ? column - 1 : 0;
            int to = l == endLine ? endColumn : current.length();
            if (from < 0 || to > current.length() || from > to) {
                return Optional.empty();
            }
            out.append(current, from, to).append(l == endLine ? "" : "\n");
        }
        return out.length() == 0 ? Optional.empty() : Optional.of(out.toString());
    }

    private static String normalized(String sql) {
        return sql.replace("`", "").replaceAll("\\s+", " ").strip().toLowerCase(java.util.Locale.ROOT);
    }

    private static List<SqlNode> nodes(List<SqlNode> statements) {
        List<SqlNode> all = new ArrayList<>();
        SqlTreeVisitor collector = new SqlTreeVisitor() {
            @Override
            public Void visit(org.apache.calcite.sql.SqlCall call) {
                all.add(call);
                return super.visit(call);
            }

            @Override
            public Void visit(SqlIdentifier id) {
                all.add(id);
                return null;
            }

            @Override
            public Void visit(org.apache.calcite.sql.SqlLiteral literal) {
                all.add(literal);
                return null;
            }
        };
        statements.forEach(statement -> statement.accept(collector));
        return all;
    }
}
