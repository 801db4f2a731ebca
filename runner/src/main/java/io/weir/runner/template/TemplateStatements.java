package io.weir.runner.template;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionSpec;
import org.apache.calcite.sql.SqlNode;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.ddl.SqlCreateView;
import org.apache.flink.sql.parser.ddl.SqlTableColumn;
import org.apache.flink.sql.parser.dml.RichSqlInsert;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A template's statements sorted by role: temporary helpers (sources and views, in file order),
 * the target's DDL, and the INSERTs into the target.
 */
public final class TemplateStatements {

    private final List<SqlNode> temporaryObjects;
    private final SqlCreateTable targetDdl;
    private final List<RichSqlInsert> inserts;

    private TemplateStatements(List<SqlNode> temporaryObjects, SqlCreateTable targetDdl, List<RichSqlInsert> inserts) {
        this.temporaryObjects = temporaryObjects;
        this.targetDdl = targetDdl;
        this.inserts = inserts;
    }

    static TemplateStatements classify(List<SqlNode> statements, LayerConf layer, Path file) {
        List<SqlNode> temporary = new ArrayList<>();
        SqlCreateTable ddl = null;
        List<RichSqlInsert> inserts = new ArrayList<>();
        for (SqlNode statement : statements) {
            if (statement instanceof SqlCreateTable && ((SqlCreateTable) statement).isTemporary()) {
                checkNotShadowing(((SqlCreateTable) statement).getTableName(), layer, file);
                temporary.add(statement);
            } else if (statement instanceof SqlCreateView && ((SqlCreateView) statement).isTemporary()) {
                checkNotShadowing(((SqlCreateView) statement).getViewName(), layer, file);
                temporary.add(statement);
            } else if (statement instanceof SqlCreateTable) {
                SqlCreateTable create = (SqlCreateTable) statement;
                checkUnqualified(create.getTableName(), "CREATE TABLE", layer, file);
                String name = LayerTemplate.lastName(create.getTableName());
                if (!name.equals(layer.table())) {
                    throw new TemplateException(file, statement.getParserPosition(), "CREATE TABLE " + name
                            + " is not the layer's target table " + layer.table()
                            + " (helpers must be CREATE TEMPORARY TABLE)");
                }
                if (ddl != null) {
                    throw new TemplateException(file, statement.getParserPosition(), "second CREATE TABLE of " + name);
                }
                if (!create.isIfNotExists()) {
                    throw new TemplateException(file, statement.getParserPosition(), "write CREATE TABLE IF NOT EXISTS "
                            + name + ": Weir applies the DDL at every start");
                }
                checkPartitioning(create, layer, file);
                ddl = create;
            } else if (statement instanceof RichSqlInsert) {
                RichSqlInsert insert = (RichSqlInsert) statement;
                checkUnqualified(insert.getTargetTable(), "INSERT INTO", layer, file);
                String target = LayerTemplate.lastName(insert.getTargetTable());
                if (!target.equals(layer.table())) {
                    throw new TemplateException(file, statement.getParserPosition(), "INSERT into " + target
                            + ", but layer '" + layer.name() + "' writes " + layer.table());
                }
                if (insert.isOverwrite() || (insert.getStaticPartitions() != null && insert.getStaticPartitions().size() > 0)) {
                    throw new TemplateException(file, statement.getParserPosition(), "write a plain INSERT INTO "
                            + target + ": Weir makes it INSERT OVERWRITE of the right partitions for backfills");
                }
                inserts.add(insert);
            } else {
                throw new TemplateException(file, statement.getParserPosition(), "statement is a "
                        + statementName(statement) + ", not an INSERT: a layer template holds INSERT INTO "
                        + layer.table() + ", the table's CREATE TABLE IF NOT EXISTS and CREATE TEMPORARY TABLE/VIEW helpers");
            }
        }
        if (ddl == null) {
            throw new TemplateException(file, 1, 1, "no CREATE TABLE IF NOT EXISTS " + layer.table()
                    + ": the template must define its target table");
        }
        if (inserts.isEmpty()) {
            throw new TemplateException(file, 1, 1, "no INSERT INTO " + layer.table());
        }
        TemplateStatements result = new TemplateStatements(temporary, ddl, inserts);
        layer.partition().ifPresent(spec -> result.checkInsertsWritePartition(spec, file));
        PartialUpdateWriters.check(result, file);
        InsertColumnOrder.check(result, file);
        return result;
    }

    /**
     * What a statement is, in SQL's words: its leading keywords (CREATE CATALOG, SET, ADD JAR),
     * since the parser files many statements under one kind (OTHER DDL).
     */
    private static String statementName(SqlNode statement) {
        String kind = statement.getKind().sql.replace('_', ' ');
        if (!kind.startsWith("OTHER")) {
            return kind;
        }
        StringBuilder words = new StringBuilder();
        try {
            for (String word : FlinkSql.unparse(statement).trim().split("\\s+")) {
                if (word.isEmpty() || !word.chars().allMatch(Character::isUpperCase)) {
                    break;
                }
                words.append(words.length() == 0 ? "" : " ").append(word);
            }
        } catch (RuntimeException unprintable) {
            // some statements cannot be unparsed; the kind is all there is
        }
        return words.length() == 0 ? kind : words.toString();
    }

    /**
     * The target is named bare: Weir resolves it in warehouse.database. A qualified name could point
     * at another table, which the batch run would write while it replaced the layer's own partitions.
     */
    private static void checkUnqualified(SqlNode target, String statement, LayerConf layer, Path file) {
        SqlNode node = target instanceof org.apache.calcite.sql.SqlTableRef
                ? ((org.apache.calcite.sql.SqlTableRef) target).operand(0) : target;
        if (node instanceof org.apache.calcite.sql.SqlIdentifier && ((org.apache.calcite.sql.SqlIdentifier) node).names.size() > 1) {
            throw new TemplateException(file, target.getParserPosition(), statement + " " + node
                    + ": name the layer's table without catalog or database (" + statement + " " + layer.table()
                    + "); Weir writes it in the conf's warehouse.database");
        }
    }

    /** A temporary object named like the target would take its place in the INSERT. */
    private static void checkNotShadowing(SqlNode name, LayerConf layer, Path file) {
        if (LayerTemplate.lastName(name).equals(layer.table())) {
            throw new TemplateException(file, name.getParserPosition(), "temporary table or view " + name
                    + " has the name of the layer's target table " + layer.table()
                    + " and would shadow it: give the helper another name");
        }
    }

    private static void checkPartitioning(SqlCreateTable create, LayerConf layer, Path file) {
        List<String> keys = LayerTemplate.names(create.getPartitionKeyList());
        if (layer.partition().isEmpty()) {
            if (!keys.isEmpty()) {
                throw new TemplateException(file, create.getParserPosition(), "table " + layer.table()
                        + " is PARTITIONED BY (" + String.join(", ", keys) + ") but layer '" + layer.name()
                        + "' declares no partition in the conf");
            }
            return;
        }
        String column = layer.partition().get().column();
        if (!keys.equals(List.of(column))) {
            throw new TemplateException(file, create.getParserPosition(), "table " + layer.table() + " is "
                    + (keys.isEmpty() ? "not partitioned" : "partitioned by (" + String.join(", ", keys) + ")")
                    + ", but layer '" + layer.name() + "' declares partition column " + column
                    + ": expected PARTITIONED BY (" + column + ")");
        }
    }

    private void checkInsertsWritePartition(PartitionSpec spec, Path file) {
        for (RichSqlInsert insert : inserts) {
            List<String> columns = LayerTemplate.names(insert.getTargetColumnList());
            if (!columns.isEmpty() && !columns.contains(spec.column())) {
                throw new TemplateException(file, insert.getParserPosition(), "INSERT column list lacks the partition column "
                        + spec.column() + ": every row must say which partition it belongs to");
            }
        }
    }

    /** The same target read from another query: the overwrite step of a staged batch run. */
    TemplateStatements withInserts(List<RichSqlInsert> newInserts) {
        return new TemplateStatements(List.of(), targetDdl, newInserts);
    }

    public List<SqlNode> temporaryObjects() {
        return temporaryObjects;
    }

    public SqlCreateTable targetDdl() {
        return targetDdl;
    }

    public List<RichSqlInsert> inserts() {
        return inserts;
    }

    /** The target's writable columns (physical ones) in table order. */
    public List<SqlTableColumn.SqlRegularColumn> targetColumns() {
        List<SqlTableColumn.SqlRegularColumn> columns = new ArrayList<>();
        for (SqlNode node : targetDdl.getColumnList()) {
            if (node instanceof SqlTableColumn.SqlRegularColumn) {
                columns.add((SqlTableColumn.SqlRegularColumn) node);
            }
        }
        return columns;
    }

    boolean isTargetDdl(SqlNode statement) {
        return statement == targetDdl;
    }

    boolean isTemporaryTable(SqlNode statement) {
        return statement instanceof SqlCreateTable && temporaryObjects.contains(statement);
    }
}
