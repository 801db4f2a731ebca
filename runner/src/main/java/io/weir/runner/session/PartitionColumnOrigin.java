package io.weir.runner.session;

import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.SetOp;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexVisitorImpl;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.ImmutableBitSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.planner.operations.PlannerQueryOperation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where an INSERT's partition column comes from, traced through Flink's logical plan. A backfill
 * runs a range of partitions as one query, so every output row must name its partition from its own
 * input row (a column, an expression of columns, a GROUP BY key). A value made by an aggregate or an
 * OVER window (MAX(ds), FIRST_VALUE(...)) depends on how the range is split into jobs: a range run
 * would put several days' totals into one partition and leave the others empty.
 */
final class PartitionColumnOrigin {

    private PartitionColumnOrigin() {}

    /** The aggregate the partition column is computed by, if it is; empty when it comes from rows. */
    static Optional<String> aggregateOf(TableEnvironment tEnv, String insert, String partitionColumn) {
        return column(tEnv, insert, partitionColumn).flatMap(c -> trace(c.tree(), c.index()));
    }

    /**
     * The pattern of the DATE_FORMAT that fills the partition column, where one does with a literal
     * pattern, through renames, casts, filters, joins and group keys; empty for any other expression.
     */
    static Optional<String> dateFormatOf(TableEnvironment tEnv, String insert, String partitionColumn) {
        return column(tEnv, insert, partitionColumn).flatMap(c -> formatIn(c.tree(), c.index()));
    }

    private record Column(RelNode tree, int index) {}

    private static Optional<Column> column(TableEnvironment tEnv, String insert, String partitionColumn) {
        for (Operation operation : ((TableEnvironmentInternal) tEnv).getParser().parse(insert)) {
            if (operation instanceof SinkModifyOperation sink && sink.getChild() instanceof PlannerQueryOperation query) {
                List<String> columns = sink.getContextResolvedTable().getResolvedSchema().getColumnNames();
                RelNode tree = query.getCalciteTree();
                int index = columns.indexOf(partitionColumn);
                // The query fills the table's columns in order; another width is a shape not traced.
                if (index >= 0 && tree.getRowType().getFieldCount() == columns.size()) {
                    return Optional.of(new Column(tree, index));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> formatIn(RelNode rel, int index) {
        if (rel instanceof Project project) {
            RexNode expression = project.getProjects().get(index);
            while (expression.getKind() == SqlKind.CAST) {
                expression = ((RexCall) expression).getOperands().get(0);
            }
            if (expression instanceof RexInputRef ref) {
                return formatIn(project.getInput(), ref.getIndex());
            }
            if (expression instanceof RexCall call && call.getOperator().getName().equalsIgnoreCase("DATE_FORMAT")
                    && call.getOperands().size() == 2 && call.getOperands().get(1) instanceof RexLiteral pattern
                    && pattern.getValueAs(String.class) != null) {
                return Optional.of(pattern.getValueAs(String.class));
            }
            return Optional.empty();
        }
        if (rel instanceof Aggregate aggregate) {
            List<Integer> keys = aggregate.getGroupSet().asList();
            return index < keys.size() ? formatIn(aggregate.getInput(), keys.get(index)) : Optional.empty();
        }
        if (rel instanceof Join join) {
            int left = join.getLeft().getRowType().getFieldCount();
            return index < left ? formatIn(join.getLeft(), index) : formatIn(join.getRight(), index - left);
        }
        if (rel instanceof SetOp setOp) {
            for (RelNode input : setOp.getInputs()) {
                Optional<String> found = formatIn(input, index);
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        }
        if (rel.getInputs().size() == 1
                && rel.getInput(0).getRowType().getFieldCount() == rel.getRowType().getFieldCount()) {
            return formatIn(rel.getInput(0), index);
        }
        return Optional.empty();
    }

    private static Optional<String> trace(RelNode rel, int index) {
        if (rel instanceof TableScan || rel instanceof Values) {
            return Optional.empty();
        }
        if (rel instanceof Project project) {
            RexNode expression = project.getProjects().get(index);
            Optional<String> over = overIn(expression);
            if (over.isPresent()) {
                return over;
            }
            for (int input : inputRefs(expression)) {
                Optional<String> found = trace(project.getInput(), input);
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        }
        if (rel instanceof Aggregate aggregate) {
            List<Integer> keys = aggregate.getGroupSet().asList();
            if (index < keys.size()) {
                return trace(aggregate.getInput(), keys.get(index));
            }
            AggregateCall call = aggregate.getAggCallList().get(index - keys.size());
            return Optional.of(call.getAggregation().getName() + "(...)");
        }
        if (rel instanceof Join join) {
            int left = join.getLeft().getRowType().getFieldCount();
            return index < left ? trace(join.getLeft(), index) : trace(join.getRight(), index - left);
        }
        if (rel instanceof SetOp setOp) {
            for (RelNode input : setOp.getInputs()) {
                Optional<String> found = trace(input, index);
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        }
        // Filters, sorts, snapshots and the like pass their input's columns through unchanged.
        if (rel.getInputs().size() == 1
                && rel.getInput(0).getRowType().getFieldCount() == rel.getRowType().getFieldCount()) {
            return trace(rel.getInput(0), index);
        }
        return Optional.empty(); // a shape this does not know: not refused on a guess
    }

    private static Optional<String> overIn(RexNode expression) {
        List<String> found = new ArrayList<>();
        expression.accept(new RexVisitorImpl<Void>(true) {
            @Override
            public Void visitOver(RexOver over) {
                found.add(over.getAggOperator().getName() + "(...) OVER (...)");
                return null;
            }
        });
        return found.stream().findFirst();
    }

    private static List<Integer> inputRefs(RexNode expression) {
        List<Integer> refs = new ArrayList<>();
        expression.accept(new RexVisitorImpl<Void>(true) {
            @Override
            public Void visitInputRef(RexInputRef ref) {
                refs.add(ref.getIndex());
                return null;
            }
        });
        return ImmutableBitSet.of(refs).asList();
    }
}
