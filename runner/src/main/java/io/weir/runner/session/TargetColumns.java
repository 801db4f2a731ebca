package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A layer's table as the warehouse holds it must have the columns its template declares. The
 * template's {@code CREATE TABLE IF NOT EXISTS} makes a missing table but never changes one that
 * exists, so a column added to or removed from a template would otherwise surface as Flink's
 * "Column types of query result and sink do not match" in the middle of a job, or a stack trace.
 */
public final class TargetColumns {

    private TargetColumns() {}

    /** Refuses the first layer whose existing table's columns differ from its template's, naming both. */
    public static void check(PipelineConf conf, Lake lake, Renderer renderer, List<LayerConf> layers) {
        for (LayerConf layer : layers) {
            problem(conf, lake, renderer, layer).ifPresent(problem -> {
                throw WeirException.badInput(problem);
            });
        }
    }

    static Optional<String> problem(PipelineConf conf, Lake lake, Renderer renderer, LayerConf layer) {
        if (!lake.tableExists(layer.table())) {
            return Optional.empty();
        }
        List<String> declared = renderer.declaredColumns(layer);
        List<String> existing = lake.table(layer.table()).rowType().getFieldNames();
        if (lowered(declared).equals(lowered(existing))) {
            return typeProblem(conf, lake, renderer, layer);
        }
        List<String> added = missingFrom(declared, existing);
        List<String> removed = missingFrom(existing, declared);
        String table = conf.warehouse().database() + "." + layer.table();
        StringBuilder what = new StringBuilder();
        if (!added.isEmpty()) {
            what.append("it declares ").append(String.join(", ", added)).append(", which the table lacks");
        }
        if (!removed.isEmpty()) {
            what.append(what.isEmpty() ? "" : "; ").append("the table has ").append(String.join(", ", removed))
                    .append(", which it does not declare");
        }
        if (what.isEmpty()) {
            what.append("the same columns in another order");
        }
        return Optional.of(layer.template() + ": layer '" + layer.name() + "' declares table " + layer.table() + " with ("
                + String.join(", ", declared) + "), but " + table + " in the warehouse has (" + String.join(", ", existing)
                + "): " + what + ". CREATE TABLE IF NOT EXISTS does not change a table that exists. Change the table"
                + " to match (Paimon: ALTER TABLE " + table + " ADD ... / DROP ...; rows written before read NULL in an"
                + " added column until a backfill --force rebuilds them), or put the template back; then"
                + " weir stream --upgrade restarts a running layer with it");
    }

    /**
     * A column whose declared type differs from the table's. Flink casts a query's values to the
     * sink's type where it may do so implicitly (a DECIMAL of another precision or scale, a TIMESTAMP
     * of other precision), so a type changed in the template alone would round or drop values quietly.
     * The declared types are those of the table the template's DDL makes ({@link PlanCheck#declaredTables}),
     * so defaults and spellings (VARCHAR, NUMERIC) are Flink's own. Nullability is not compared: a
     * key column is NOT NULL whether the DDL says so or not.
     */
    private static Optional<String> typeProblem(PipelineConf conf, Lake lake, Renderer renderer, LayerConf layer) {
        List<org.apache.paimon.types.DataField> fields = lake.table(layer.table()).rowType().getFields();
        org.apache.flink.table.types.logical.RowType declaredTable = PlanCheck.declaredTables(conf).get(layer.name());
        List<Renderer.DeclaredColumn> declared = renderer.declaredColumnPositions(layer);
        if (declaredTable == null || declaredTable.getFieldCount() != fields.size() || declared.size() != fields.size()) {
            return Optional.empty();
        }
        for (int i = 0; i < fields.size(); i++) {
            // As Paimon types: a watermark's column reads back from the catalog as a ROWTIME timestamp.
            org.apache.paimon.types.DataType wanted =
                    org.apache.paimon.flink.LogicalTypeConversion.toDataType(declaredTable.getTypeAt(i)).copy(true);
            org.apache.paimon.types.DataType has = fields.get(i).type().copy(true);
            if (!wanted.equals(has)) {
                Renderer.DeclaredColumn column = declared.get(i);
                String table = conf.warehouse().database() + "." + layer.table();
                return Optional.of(layer.template() + ":" + column.line() + ":" + column.column() + ": layer '"
                        + layer.name() + "' declares column " + column.name() + " as " + wanted.asSQLString()
                        + ", but " + table + " in the warehouse has it as " + has.asSQLString() + ". CREATE TABLE IF"
                        + " NOT EXISTS does not change a table that exists, and Flink would cast every value to the"
                        + " table's type. Change the column to match (Paimon: ALTER TABLE " + table + " MODIFY "
                        + fields.get(i).name() + " " + wanted.asSQLString() + "; then weir backfill --force"
                        + " rebuilds the partitions written before), or put the template back");
            }
        }
        return Optional.empty();
    }

    private static List<String> lowered(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    private static List<String> missingFrom(List<String> names, List<String> other) {
        List<String> otherLowered = lowered(other);
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (!otherLowered.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                missing.add(name);
            }
        }
        return missing;
    }
}
