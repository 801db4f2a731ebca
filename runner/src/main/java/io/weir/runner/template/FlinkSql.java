package io.weir.runner.template;

import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.flink.sql.parser.impl.FlinkSqlParserImpl;
import org.apache.flink.sql.parser.validate.FlinkSqlConformance;
import io.weir.runner.WeirException;

import java.nio.file.Path;
import java.util.List;

/** Flink's own SQL parser and unparser, configured as Flink's table environment does. */
public final class FlinkSql {

    private static final SqlParser.Config PARSER = SqlParser.config()
            .withParserFactory(FlinkSqlParserImpl.FACTORY)
            .withLex(Lex.JAVA)
            .withConformance(FlinkSqlConformance.DEFAULT)
            .withIdentifierMaxLength(256);

    /**
     * The dialect Flink itself uses to print SQL it re-parses (back-quoted, case kept), plus table
     * hints: Calcite's default dialect drops {@code t /*+ OPTIONS(...) *}{@code /} when printing,
     * which would silently lose a template's source and sink options.
     */
    private static final SqlDialect DIALECT = new CalciteSqlDialect(SqlDialect.EMPTY_CONTEXT
            .withQuotedCasing(Casing.UNCHANGED)
            .withUnquotedCasing(Casing.UNCHANGED)
            .withConformance(FlinkSqlConformance.DEFAULT)
            .withIdentifierQuoteString("`")) {
        @Override
        public void unparseTableScanHints(SqlWriter writer, SqlNodeList hints, int leftPrec, int rightPrec) {
            writer.print("/*+ ");
            for (int i = 0; i < hints.size(); i++) {
                if (i > 0) {
                    writer.print(", ");
                }
                hints.get(i).unparse(writer, leftPrec, rightPrec);
            }
            writer.print("*/ ");
        }
    };

    private FlinkSql() {}

    /** Parses a script of ';'-separated statements; a syntax error names the file, line and column. */
    public static List<SqlNode> parseStatements(String sql, Path file) {
        try {
            return SqlParser.create(sql, PARSER).parseStmtList().getList();
        } catch (SqlParseException e) {
            if (e.getCause() instanceof StackOverflowError) {
                throw new TemplateException(file, 1, 1, "a statement nests too deeply for the SQL parser (thousands of"
                        + " OR or AND terms, or of nested parentheses): write a long list of values as IN (...) or"
                        + " join a table of them");
            }
            String reason = syntaxError(e);
            if (reason.contains(" literal '${")) {
                // The parser checks a typed literal's text before Weir fills the parameter in.
                reason += "; a parameter cannot sit in a typed literal (TIMESTAMP '...', DATE '...'): write"
                        + " CAST('${start_time}' AS TIMESTAMP(3)) or compare with the string '${start_date}'";
            }
            if (e.getPos() != null) {
                throw new TemplateException(file, e.getPos(), reason);
            }
            throw new TemplateException(file, 1, 1, reason);
        }
    }

    /**
     * Parses one expression that a user typed (a condition), to its end: a second statement or
     * trailing text is a syntax error. The error gives the column in the user's own text and begins
     * "syntax error".
     */
    public static SqlNode parseExpression(String expression) {
        try {
            return SqlParser.create(expression, PARSER).parseExpression();
        } catch (SqlParseException e) {
            throw WeirException.badInput(syntaxError(e));
        }
    }

    /** The parser's first line, and how to quote a reserved word it stopped at. */
    private static String syntaxError(SqlParseException e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return "syntax error: " + (newline > 0 ? message.substring(0, newline) : message)
                + reservedWord(message).map(word -> "; " + word + " is a reserved word in Flink SQL: as a name,"
                        + " quote it as `" + word.toLowerCase(java.util.Locale.ROOT) + "`").orElse("");
    }

    private static final java.util.Set<String> CLAUSE_WORDS = java.util.Set.of("SELECT", "FROM", "WHERE", "GROUP", "BY",
            "HAVING", "ORDER", "LIMIT", "UNION", "JOIN", "ON", "AND", "OR", "AS", "INSERT", "INTO", "CREATE", "TABLE",
            "WITH", "WHEN", "THEN", "ELSE", "END", "SET", "VALUES", "PARTITIONED", "PRIMARY", "WATERMARK", "FOR");

    /** The word a parse error stopped at, when the parser reserves it (it cannot name a column unquoted). */
    static java.util.Optional<String> reservedWord(String parseError) {
        String marker = "Encountered \"";
        int start = parseError.indexOf(marker);
        int end = start < 0 ? -1 : parseError.indexOf('"', start + marker.length());
        if (end < 0) {
            return java.util.Optional.empty();
        }
        String token = parseError.substring(start + marker.length(), end).trim();
        if (!token.matches("[A-Za-z_]+")) {
            return java.util.Optional.empty();
        }
        String word = token.toUpperCase(java.util.Locale.ROOT);
        if (CLAUSE_WORDS.contains(word)) {
            return java.util.Optional.empty(); // a misplaced clause (a trailing comma before FROM), not a name
        }
        boolean reserved = FlinkSqlParserImpl.FACTORY.getParser(new java.io.StringReader("")).getMetadata().isReservedWord(word);
        return reserved ? java.util.Optional.of(word) : java.util.Optional.empty();
    }

    public static String unparse(SqlNode node) {
        return node.toSqlString(c -> c.withDialect(DIALECT)
                        .withQuoteAllIdentifiers(false)
                        .withAlwaysUseParentheses(false)
                        .withSelectListItemsOnSeparateLines(false)
                        .withUpdateSetListNewline(false)
                        .withIndentation(2)
                        .withClauseStartsLine(true)
                        .withClauseEndsLine(false))
                .getSql();
    }

    /** Quotes a value as a SQL string literal. */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
