package io.weir.runner.template;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import org.apache.calcite.sql.SqlCharStringLiteral;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlTableRef;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.flink.sql.parser.dml.RichSqlInsert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A layer's SQL file, parsed with Flink's parser and checked: it may hold CREATE TEMPORARY
 * TABLE/VIEW helpers, its target's CREATE TABLE IF NOT EXISTS, and INSERT INTO the target, with
 * range parameters inside string literals.
 */
public final class LayerTemplate {

    private final LayerConf layer;
    private final Path file;
    private final String text;
    private final List<SqlCharStringLiteral> parameterLiterals;
    private final String logicHash;

    private LayerTemplate(LayerConf layer, Path file, String text, List<SqlCharStringLiteral> parameterLiterals,
            String logicHash) {
        this.layer = layer;
        this.file = file;
        this.text = text;
        this.parameterLiterals = parameterLiterals;
        this.logicHash = logicHash;
    }

    public static LayerTemplate load(LayerConf layer) {
        Path file = layer.template();
        String text = read(file, layer);
        if (text.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("--"))) {
            throw new TemplateException(file, 1, 1, "the template holds no SQL statement: expected CREATE TABLE IF NOT"
                    + " EXISTS " + layer.table() + " and INSERT INTO " + layer.table());
        }
        List<SqlNode> statements = FlinkSql.parseStatements(text, file);
        TemplateStatements classified = TemplateStatements.classify(statements, layer, file);
        List<SqlCharStringLiteral> parameterLiterals = checkParameters(statements, classified, layer, file);
        return new LayerTemplate(layer, file, text, parameterLiterals, hash(statements, layer));
    }

    /** Larger templates are refused: Flink's parser slows down badly on statements of megabytes. */
    public static final int MAX_BYTES = 1 << 20;

    /**
     * The template as UTF-8 text with LF line endings: a byte-order mark is dropped, CRLF and lone CR
     * become LF (the parser's line numbers and Weir's parameter spans both count LF lines).
     */
    private static String read(Path file, LayerConf layer) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw WeirException.badInput("cannot read template " + file + " of layer '" + layer.name() + "': " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) {
            throw WeirException.badInput(file + ": the template has " + bytes.length + " bytes; a template may have at most "
                    + MAX_BYTES + " (1 MiB)");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw WeirException.badInput(file + ": the template is not UTF-8 text; save it as UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text.replace("\r\n", "\n").replace('\r', '\n');
    }

    public LayerConf layer() {
        return layer;
    }

    /**
     * Where in this file lies the part of a rendered statement that Flink's planner refused, when its
     * message gives a span ({@link PlannerErrorPosition}).
     */
    public java.util.Optional<SqlParserPos> positionOf(String renderedStatement, Throwable plannerError) {
        return PlannerErrorPosition.locate(text, file, renderedStatement, plannerError);
    }

    public Path file() {
        return file;
    }

    /**
     * Identifies the layer's logic: its statements as Flink's parser reads them (so comments and
     * formatting do not count) plus its partitioning. Partitions built with the same hash need no
     * rebuild; a changed template changes it.
     */
    public String logicHash() {
        return logicHash;
    }

    private static String hash(List<SqlNode> statements, LayerConf layer) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (SqlNode statement : statements) {
                digest.update(FlinkSql.unparse(statement).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) ';');
            }
            digest.update(String.valueOf(layer.partition().orElse(null)).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The template's statements with every parameter replaced. Each literal holding a parameter is
     * replaced at the exact span the parser reported for it, then the whole text is parsed again.
     */
    public TemplateStatements bind(Map<TemplateParameter, String> values) {
        String[] lines = text.split("\n", -1);
        int[] lineStart = new int[lines.length + 1];
        for (int i = 0; i < lines.length; i++) {
            lineStart[i + 1] = lineStart[i] + lines[i].length() + 1;
        }
        StringBuilder bound = new StringBuilder(text);
        List<SqlCharStringLiteral> lastFirst = new ArrayList<>(parameterLiterals);
        lastFirst.sort(Comparator.comparingInt((SqlCharStringLiteral l) -> l.getParserPosition().getLineNum())
                .thenComparingInt(l -> l.getParserPosition().getColumnNum()).reversed());
        for (SqlCharStringLiteral literal : lastFirst) {
            SqlParserPos pos = literal.getParserPosition();
            int start = lineStart[pos.getLineNum() - 1] + pos.getColumnNum() - 1;
            int end = lineStart[pos.getEndLineNum() - 1] + pos.getEndColumnNum();
            if (bound.charAt(start) != '\'' || bound.charAt(end - 1) != '\'') {
                throw new TemplateException(file, pos, "a literal holding a parameter must be one plain '...' string");
            }
            String value = Placeholder.substitute(literal.getValueAs(String.class), values);
            bound.replace(start, end, FlinkSql.literal(value));
        }
        return TemplateStatements.classify(FlinkSql.parseStatements(bound.toString(), file), layer, file);
    }

    private static List<SqlCharStringLiteral> checkParameters(List<SqlNode> statements, TemplateStatements classified,
            LayerConf layer, Path file) {
        List<SqlCharStringLiteral> holding = new ArrayList<>();
        Set<TemplateParameter> used = EnumSet.noneOf(TemplateParameter.class);
        for (SqlNode statement : statements) {
            for (SqlCharStringLiteral literal : StringLiterals.of(statement)) {
                List<Placeholder> placeholders = Placeholder.in(literal.getValueAs(String.class));
                for (Placeholder p : placeholders) {
                    TemplateParameter parameter = TemplateParameter.named(p.name()).orElseThrow(() ->
                            new TemplateException(file, literal.getParserPosition(), "unknown parameter '${" + p.name()
                                    + "}' (known: " + TemplateParameter.known() + ")"));
                    if (classified.isTargetDdl(statement) || classified.isTemporaryTable(statement)) {
                        throw new TemplateException(file, literal.getParserPosition(), "parameter '${" + p.name()
                                + "}' in a table definition: parameters belong in queries (INSERT or view)");
                    }
                    used.add(parameter);
                }
                if (!placeholders.isEmpty()) {
                    holding.add(literal);
                }
            }
        }
        if (layer.partitioned()) {
            boolean start = used.stream().anyMatch(TemplateParameter::isStart);
            boolean end = used.stream().anyMatch(p -> !p.isStart());
            if (!start || !end) {
                RichSqlInsert first = classified.inserts().get(0);
                throw new TemplateException(file, first.getParserPosition(), "template of partitioned layer '"
                        + layer.name() + "' does not use " + (start ? "" : "${start_date} (or ${start_time})")
                        + (!start && !end ? " and " : "") + (end ? "" : "${end_date} (or ${end_time})")
                        + ": a backfill could not limit it to its range");
            }
        }
        return holding;
    }

    static String lastName(SqlNode target) {
        SqlNode node = target instanceof SqlTableRef ? ((SqlTableRef) target).operand(0) : target;
        if (node instanceof SqlIdentifier) {
            SqlIdentifier id = (SqlIdentifier) node;
            return id.names.get(id.names.size() - 1);
        }
        return node.toString();
    }

    static List<String> names(SqlNodeList list) {
        List<String> result = new ArrayList<>();
        if (list != null) {
            for (SqlNode n : list) {
                result.add(lastName(n));
            }
        }
        return result;
    }

}
