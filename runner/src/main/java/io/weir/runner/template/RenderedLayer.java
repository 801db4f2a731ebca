package io.weir.runner.template;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;

import java.util.ArrayList;
import java.util.List;

/**
 * Exactly the SQL that runs for one layer: session setup (catalog), the target's DDL, temporary
 * helpers, and the INSERT statements that form one Flink job.
 */
public record RenderedLayer(
        LayerConf layer,
        RenderMode mode,
        List<Partition> partitions,
        List<String> catalogStatements,
        String targetDdl,
        List<String> temporaryObjects,
        List<String> inserts,
        java.util.Optional<Staging> staging) {

    /** Statements to execute one by one before the job: catalog, DDL, helpers. */
    public List<String> setupStatements() {
        List<String> setup = new ArrayList<>(catalogStatements);
        setup.add(targetDdl);
        setup.addAll(temporaryObjects);
        return setup;
    }

    /**
     * The same job writing another table of the target's columns: each INSERT's target is
     * replaced on the AST, table hints kept. {@code weir verify} recomputes into a scratch table so.
     */
    private static final org.apache.calcite.sql.parser.SqlParserPos ZERO = org.apache.calcite.sql.parser.SqlParserPos.ZERO;

    public RenderedLayer retargeted(List<String> table) {
        List<String> moved = new ArrayList<>();
        org.apache.calcite.sql.SqlIdentifier name = new org.apache.calcite.sql.SqlIdentifier(table,
                org.apache.calcite.sql.parser.SqlParserPos.ZERO);
        for (String insert : inserts) {
            org.apache.flink.sql.parser.dml.RichSqlInsert parsed = (org.apache.flink.sql.parser.dml.RichSqlInsert)
                    FlinkSql.parseStatements(insert, layer.template()).get(0);
            org.apache.calcite.sql.SqlNode target = parsed.getTargetTable();
            org.apache.calcite.sql.SqlNodeList extended = new org.apache.calcite.sql.SqlNodeList(ZERO);
            if (parsed.isOverwrite()) {
                extended.add(org.apache.flink.sql.parser.dml.RichSqlInsertKeyword.OVERWRITE.symbol(ZERO));
            }
            parsed = new org.apache.flink.sql.parser.dml.RichSqlInsert(ZERO, new org.apache.calcite.sql.SqlNodeList(ZERO),
                    extended, target instanceof org.apache.calcite.sql.SqlTableRef
                            ? new org.apache.calcite.sql.SqlTableRef(ZERO, name,
                                    (org.apache.calcite.sql.SqlNodeList) ((org.apache.calcite.sql.SqlTableRef) target).operand(1))
                            : name,
                    parsed.getSource(), parsed.getTargetColumnList(), parsed.getStaticPartitions());
            moved.add(FlinkSql.unparse(parsed));
        }
        return new RenderedLayer(layer, mode, partitions, catalogStatements, targetDdl, temporaryObjects, moved, staging);
    }

    /** The whole job as a script Flink's SQL client would run, secret options masked: for showing. */
    public String script() {
        StringBuilder out = new StringBuilder();
        out.append("-- layer ").append(layer.name()).append(", ").append(mode.name().toLowerCase());
        if (mode == RenderMode.BATCH && !partitions.isEmpty()) {
            out.append(", partitions ").append(partitions.get(0).value());
            if (partitions.size() > 1) {
                out.append("..").append(partitions.get(partitions.size() - 1).value())
                        .append(" (").append(partitions.size()).append(")");
            }
        }
        out.append("\n");
        staging.ifPresent(s -> {
            out.append("\n-- step 1: streaming job, a bounded snapshot of the source into a staging table\n");
            for (String statement : s.setupStatements(catalogStatements)) {
                out.append(SecretOptions.mask(statement)).append(";\n\n");
            }
            out.append(s.insert()).append(";\n\n");
            out.append("-- step 2: batch job, overwrite the partitions from the staging table\n");
        });
        for (String statement : setupStatements()) {
            out.append(SecretOptions.mask(statement)).append(";\n\n");
        }
        if (inserts.size() == 1) {
            out.append(inserts.get(0)).append(";\n");
        } else {
            out.append("EXECUTE STATEMENT SET\nBEGIN\n\n");
            for (String insert : inserts) {
                out.append(insert).append(";\n\n");
            }
            out.append("END;\n");
        }
        if (mode == RenderMode.BATCH && partitions.size() > 1) {
            out.append("\n-- then partitions of the range this produced no rows for are dropped (Paimon's dynamic\n"
                    + "-- overwrite leaves them untouched), so each partition of the range ends exactly rebuilt\n");
        }
        staging.ifPresent(s -> out.append("\n-- step 3: drop the staging table\n").append(s.dropTable()).append(";\n"));
        return out.toString();
    }
}
