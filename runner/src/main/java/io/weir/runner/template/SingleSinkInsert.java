package io.weir.runner.template;

import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlHint;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlTableRef;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.flink.sql.parser.SqlProperty;
import org.apache.flink.sql.parser.ddl.SqlTableColumn.SqlRegularColumn;
import org.apache.flink.sql.parser.dml.RichSqlInsert;
import org.apache.flink.sql.parser.dml.RichSqlInsertKeyword;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a template's INSERT INTO statements into one INSERT per job, on the AST.
 *
 * <p>All INSERTs of the template become one query (UNION ALL, columns an INSERT does not write
 * filled with typed NULLs), so a table always has exactly one writer: two Paimon sinks on one
 * table conflict when they compact, and two overwrites of a partition would replace each other,
 * while one writer lets a partial-update table merge both inputs.
 *
 * <p>In batch mode the overwrite keeps only rows of its partition (or range), so it can never touch
 * a partition outside it.
 */
final class SingleSinkInsert {

    private static final SqlParserPos POS = SqlParserPos.ZERO;
    private static final String ALIAS = "weir_q";

    private final TemplateStatements statements;

    SingleSinkInsert(TemplateStatements statements) {
        this.statements = statements;
    }

    /** INSERT INTO target: the template's own statement, or its INSERTs merged into one. */
    RichSqlInsert insertInto() {
        return insertInto(statements.inserts().get(0).getTargetTable(), false);
    }

    /**
     * INSERT INTO target of the same rows, minus those of partitions batch owns: a lookup of each
     * row's partition in Weir's seals table (refreshed as that table commits) drops rows whose
     * partition is sealed.
     *
     * <pre>
     * SELECT weir_f.c1, ... FROM (SELECT weir_s.*, PROCTIME() AS weir_pt FROM (query) AS weir_s (c1, ...)) AS weir_f
     * LEFT JOIN seals FOR SYSTEM_TIME AS OF weir_f.weir_pt AS weir_seal
     *   ON weir_seal.table_name = 'db.table' AND weir_seal.partition_value = weir_f.ds
     * WHERE weir_seal.partition_value IS NULL
     * </pre>
     */
    RichSqlInsert insertIntoFenced(PartitionSpec spec, List<String> sealsTable, String sealKey) {
        RichSqlInsert merged = insertInto();
        List<String> columns = LayerTemplate.names(merged.getTargetColumnList());
        if (columns.isEmpty()) {
            statements.targetColumns().forEach(c -> columns.add(c.getName().getSimple()));
        }
        StringBuilder skeleton = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            skeleton.append(i == 0 ? "" : ", ").append("weir_f.").append(quoted(columns.get(i)));
        }
        skeleton.append(" FROM (SELECT weir_s.*, PROCTIME() AS weir_pt FROM weir_placeholder AS weir_s) AS weir_f")
                .append(" LEFT JOIN ").append(String.join(".", sealsTable.stream().map(SingleSinkInsert::quoted).toList()))
                .append(" FOR SYSTEM_TIME AS OF weir_f.weir_pt AS weir_seal")
                .append(" ON weir_seal.table_name = ").append(FlinkSql.literal(sealKey))
                .append(" AND weir_seal.partition_value = CAST(weir_f.").append(quoted(spec.column())).append(" AS STRING)")
                .append(" WHERE weir_seal.partition_value IS NULL");
        SqlSelect fenced = (SqlSelect) FlinkSql.parseStatements(skeleton.toString(), null).get(0);
        SqlSelect inner = (SqlSelect) ((SqlBasicCall) ((org.apache.calcite.sql.SqlJoin) fenced.getFrom()).getLeft())
                .operand(0);
        List<SqlNode> asOperands = new ArrayList<>();
        asOperands.add(merged.getSource());
        asOperands.add(new SqlIdentifier("weir_s", POS));
        columns.forEach(c -> asOperands.add(new SqlIdentifier(c, POS)));
        inner.setFrom(SqlStdOperatorTable.AS.createCall(POS, asOperands));
        return new RichSqlInsert(POS, new SqlNodeList(POS), new SqlNodeList(POS), merged.getTargetTable(), fenced,
                merged.getTargetColumnList(), new SqlNodeList(POS));
    }

    private static String quoted(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    /** The same rows into another table of the target's columns (a staging table). */
    RichSqlInsert insertInto(SqlNode table, boolean bounded) {
        if (statements.inserts().size() == 1) {
            RichSqlInsert only = statements.inserts().get(0);
            if (bounded) {
                LookupHints.removeFrom(only.getSource());
            }
            return new RichSqlInsert(POS, new SqlNodeList(POS), new SqlNodeList(POS), table, only.getSource(),
                    only.getTargetColumnList(), new SqlNodeList(POS));
        }
        return new RichSqlInsert(POS, new SqlNodeList(POS), new SqlNodeList(POS), table,
                union(statements.targetColumns(), Optional.empty(), Optional.empty(), bounded), null,
                new SqlNodeList(POS));
    }

    /** INSERT OVERWRITE target PARTITION (column = 'value') SELECT ... for one partition. */
    RichSqlInsert overwritePartition(PartitionSpec spec, Partition partition) {
        SqlNodeList staticPartition = new SqlNodeList(POS);
        staticPartition.add(new SqlProperty(new SqlIdentifier(spec.column(), POS),
                SqlLiteral.createCharString(partition.value(), POS), POS));
        return overwrite(Optional.of(spec), Optional.of(partition.value()), staticPartition);
    }

    /**
     * The row's partition value, for the guard to compare, where it is one of the partitions
     * written, or one the layer's format produces (or NULL); any other value fails the job, naming
     * it. The guard keeps only the range's rows: without this, a query that fills the partition
     * column from the wrong expression would have all its rows dropped, and the overwrite would
     * empty the range while reporting success. The guard compares this expression itself, so no
     * reordering of conditions can skip it. Values of the range (all rows, for a template that
     * filters its own range) cost a comparison; only others are parsed with the format.
     */
    private static SqlNode checkedPartitionValue(PartitionSpec spec, Partition first, Partition last) {
        String value = "CAST(" + ALIAS + "." + quoted(spec.column()) + " AS STRING)";
        String format = FlinkSql.literal(spec.pattern());
        String written = first.equals(last) ? value + " IS NOT DISTINCT FROM " + FlinkSql.literal(first.value())
                : value + " >= " + FlinkSql.literal(first.value()) + " AND " + value + " <= " + FlinkSql.literal(last.value())
                        + " AND CHAR_LENGTH(" + value + ") = " + first.value().length();
        String checked = "SELECT CASE WHEN " + written + " THEN " + value + " WHEN " + value + " IS NULL OR DATE_FORMAT("
                + "TO_TIMESTAMP(" + value + ", " + format + "), " + format + ") = " + value + " THEN " + value
                + " ELSE CAST(CAST(CONCAT("
                + FlinkSql.literal("weir: the query gave " + spec.column() + " = ") + ", " + value + ", "
                + FlinkSql.literal(", which is not a partition value of format " + spec.pattern()
                        + ": check the expression that fills " + spec.column() + " (column order of the SELECT)")
                + ") AS INT) AS STRING) END FROM t";
        return ((SqlSelect) FlinkSql.parseStatements(checked, null).get(0)).getSelectList().get(0);
    }

    /** INSERT OVERWRITE target SELECT ... replacing the whole (unpartitioned) table. */
    RichSqlInsert overwriteTable() {
        return overwrite(Optional.empty(), Optional.empty(), new SqlNodeList(POS));
    }

    /**
     * INSERT OVERWRITE target SELECT ... WHERE column BETWEEN first AND last, in Paimon's dynamic
     * mode: one query over the range replaces, in one commit, every partition it produces and nothing
     * outside the range. (A partition it produces no rows for is untouched; the runner drops those.)
     * One statement per partition would not do: the optimizer pushes each partition's filter into
     * its own scan, reading the range once per partition.
     */
    RichSqlInsert overwriteRange(PartitionSpec spec, Partition first, Partition last) {
        SqlNode guard = SqlStdOperatorTable.AND.createCall(POS,
                SqlStdOperatorTable.GREATER_THAN_OR_EQUAL.createCall(POS, checkedPartitionValue(spec, first, last),
                        SqlLiteral.createCharString(first.value(), POS)),
                SqlStdOperatorTable.LESS_THAN_OR_EQUAL.createCall(POS, checkedPartitionValue(spec, first, last),
                        SqlLiteral.createCharString(last.value(), POS)));
        SqlNode query = null;
        for (RichSqlInsert insert : statements.inserts()) {
            LookupHints.removeFrom(insert.getSource());
            SqlSelect branch = select(insert, statements.targetColumns(), Optional.empty(), Optional.empty());
            branch.setWhere(guard);
            query = query == null ? branch : SqlStdOperatorTable.UNION_ALL.createCall(POS, query, branch);
        }
        RichSqlInsert first0 = statements.inserts().get(0);
        SqlNodeList extendedKeywords = new SqlNodeList(POS);
        extendedKeywords.add(RichSqlInsertKeyword.OVERWRITE.symbol(POS));
        return new RichSqlInsert(POS, new SqlNodeList(POS), extendedKeywords, first0.getTargetTable(),
                query, null, new SqlNodeList(POS));
    }

    private RichSqlInsert overwrite(Optional<PartitionSpec> spec, Optional<String> partitionValue,
            SqlNodeList staticPartition) {
        Optional<String> partitionColumn = spec.map(PartitionSpec::column);
        List<SqlRegularColumn> written = new ArrayList<>();
        for (SqlRegularColumn column : statements.targetColumns()) {
            if (partitionColumn.map(c -> !c.equals(column.getName().getSimple())).orElse(true)) {
                written.add(column);
            }
        }
        RichSqlInsert first = statements.inserts().get(0);
        SqlNodeList extendedKeywords = new SqlNodeList(POS);
        extendedKeywords.add(RichSqlInsertKeyword.OVERWRITE.symbol(POS));
        return new RichSqlInsert(POS, new SqlNodeList(POS), extendedKeywords, staticOverwrite(first.getTargetTable()),
                union(written, spec, partitionValue, true), null, staticPartition);
    }

    /**
     * The target with {@code 'dynamic-partition-overwrite' = 'false'}: in Paimon's default dynamic
     * mode an overwrite that brings no rows deletes nothing, so a partition whose source rows were
     * all deleted would keep its old rows. In static mode the named partition (or the whole
     * unpartitioned table) is replaced, empty or not.
     */
    private static SqlNode staticOverwrite(SqlNode target) {
        return withOption(target, "dynamic-partition-overwrite", "false");
    }

    /**
     * The same INSERT with {@code 'commit.force-create-snapshot' = 'true'} on its target: the
     * stream commits a snapshot at every checkpoint, an empty one when it has nothing to write. That
     * heartbeat tells a quiet stream from a stopped one ({@link io.weir.runner.lake.Closing}).
     */
    static RichSqlInsert withHeartbeat(RichSqlInsert insert) {
        return new RichSqlInsert(POS, new SqlNodeList(POS), new SqlNodeList(POS),
                withOption(insert.getTargetTable(), "commit.force-create-snapshot", "true"), insert.getSource(),
                insert.getTargetColumnList(), new SqlNodeList(POS));
    }

    /** The target with one more option in its OPTIONS hint (one hint, so no option hides another). */
    private static SqlNode withOption(SqlNode target, String key, String value) {
        SqlIdentifier table;
        SqlNodeList hints = new SqlNodeList(POS);
        if (target instanceof SqlTableRef) {
            table = (SqlIdentifier) ((SqlTableRef) target).operand(0);
            hints.addAll((SqlNodeList) ((SqlTableRef) target).operand(1));
        } else {
            table = (SqlIdentifier) target;
        }
        SqlNodeList options = new SqlNodeList(POS);
        for (int i = 0; i < hints.size(); i++) {
            SqlHint hint = (SqlHint) hints.get(i);
            if (hint.getName().equalsIgnoreCase("OPTIONS")) {
                hint.getOptionKVPairs().forEach((k, v) -> {
                    options.add(SqlLiteral.createCharString(k, POS));
                    options.add(SqlLiteral.createCharString(v, POS));
                });
                hints.remove(i);
                break;
            }
        }
        options.add(SqlLiteral.createCharString(key, POS));
        options.add(SqlLiteral.createCharString(value, POS));
        hints.add(new SqlHint(POS, new SqlIdentifier("OPTIONS", POS), options, SqlHint.HintOptionFormat.KV_LIST));
        return new SqlTableRef(POS, table, hints);
    }

    private SqlNode union(List<SqlRegularColumn> written, Optional<PartitionSpec> partition,
            Optional<String> partitionValue, boolean batch) {
        SqlNode query = null;
        for (RichSqlInsert insert : statements.inserts()) {
            if (batch) {
                LookupHints.removeFrom(insert.getSource());
            }
            SqlNode branch = select(insert, written, partition, partitionValue);
            query = query == null ? branch : SqlStdOperatorTable.UNION_ALL.createCall(POS, query, branch);
        }
        return query;
    }

    /** SELECT <written columns> FROM (<insert's query>) AS weir_q (<insert's columns>) [WHERE partition]. */
    private SqlSelect select(RichSqlInsert insert, List<SqlRegularColumn> written, Optional<PartitionSpec> partition,
            Optional<String> partitionValue) {
        List<String> insertColumns = LayerTemplate.names(insert.getTargetColumnList());
        if (insertColumns.isEmpty()) {
            statements.targetColumns().forEach(c -> insertColumns.add(c.getName().getSimple()));
        }
        List<SqlNode> asOperands = new ArrayList<>();
        asOperands.add(insert.getSource());
        asOperands.add(new SqlIdentifier(ALIAS, POS));
        insertColumns.forEach(c -> asOperands.add(new SqlIdentifier(c, POS)));
        SqlNode from = SqlStdOperatorTable.AS.createCall(POS, asOperands);

        SqlNodeList selectList = new SqlNodeList(POS);
        for (SqlRegularColumn column : written) {
            String name = column.getName().getSimple();
            if (insertColumns.contains(name)) {
                selectList.add(new SqlIdentifier(List.of(ALIAS, name), POS));
            } else {
                SqlBasicCall typedNull = (SqlBasicCall) SqlStdOperatorTable.CAST.createCall(POS,
                        SqlLiteral.createNull(POS), column.getType().withNullable(true));
                selectList.add(SqlStdOperatorTable.AS.createCall(POS, typedNull, new SqlIdentifier(name, POS)));
            }
        }
        // IS NOT DISTINCT FROM, not '=': the optimizer (Calcite's range simplification, Flink 1.20)
        // turns "x >= 'd' AND x <= 'd' AND x = 'd'" into FALSE, so a template filtering its partition
        // expression with BETWEEN '${start_date}' AND '${end_date}' would write an empty partition.
        // The partition column is never NULL, so both mean the same.
        SqlNode where = partition.<SqlNode>map(spec -> SqlStdOperatorTable.IS_NOT_DISTINCT_FROM.createCall(POS,
                        checkedPartitionValue(spec, spec.named(partitionValue.orElseThrow()),
                                spec.named(partitionValue.orElseThrow())),
                        SqlLiteral.createCharString(partitionValue.orElseThrow(), POS)))
                .orElse(null);
        return new SqlSelect(POS, null, selectList, from, where, null, null, null, null, null, null, null);
    }
}
