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
        return column(tEnv, insert, partitionColumn).flatMap(c -> walk(c.tree(), c.index(), AGGREGATE));
    }

    /**
     * The pattern of the DATE_FORMAT that fills the partition column, where one does with a literal
     * pattern, through renames, casts, filters, joins and group keys; empty for any other expression.
     */
    static Optional<String> dateFormatOf(TableEnvironment tEnv, String insert, String partitionColumn) {
        return column(tEnv, insert, partitionColumn).flatMap(c -> walk(c.tree(), c.index(), DATE_FORMAT));
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

    /** What a walk looks for where a column is computed: in a projected expression, or by an aggregate. */
    private interface Search {
        /** The answer this expression gives, or else the input columns to follow it into. */
        Either atExpression(RexNode expression);

        Optional<String> atAggregate(AggregateCall call);
    }

    private record Either(Optional<String> answer, List<Integer> follow) {
        static Either answer(String answer) {
            return new Either(Optional.of(answer), List.of());
        }

        static Either follow(List<Integer> inputs) {
            return new Either(Optional.empty(), inputs);
        }
    }

    /** An aggregate's name, or an OVER window's, that makes the column's value; any input column may carry one. */
    private static final Search AGGREGATE = new Search() {
        @Override
        public Either atExpression(RexNode expression) {
            return overIn(expression).map(Either::answer).orElseGet(() -> Either.follow(inputRefs(expression)));
        }

        @Override
        public Optional<String> atAggregate(AggregateCall call) {
            return Optional.of(call.getAggregation().getName() + "(...)");
        }
    };

    /** The literal pattern of a DATE_FORMAT that makes the column, followed through casts and plain columns only. */
    private static final Search DATE_FORMAT = new Search() {
        @Override
        public Either atExpression(RexNode expression) {
            while (expression.getKind() == SqlKind.CAST) {
                expression = ((RexCall) expression).getOperands().get(0);
            }
            if (expression instanceof RexInputRef ref) {
                return Either.follow(List.of(ref.getIndex()));
            }
            if (expression instanceof RexCall call && call.getOperator().getName().equalsIgnoreCase("DATE_FORMAT")
                    && call.getOperands().size() == 2 && call.getOperands().get(1) instanceof RexLiteral pattern
                    && pattern.getValueAs(String.class) != null) {
                return Either.answer(pattern.getValueAs(String.class));
            }
            return Either.follow(List.of());
        }

        @Override
        public Optional<String> atAggregate(AggregateCall call) {
            return Optional.empty();
        }
    };

    /** Follows output column {@code index} of {@code rel} down to where it is computed, and asks the search there. */
    private static Optional<String> walk(RelNode rel, int index, Search search) {
        if (rel instanceof Project project) {
            Either found = search.atExpression(project.getProjects().get(index));
            return found.answer().isPresent() ? found.answer() : first(found.follow(), i -> walk(project.getInput(), i, search));
        }
        if (rel instanceof Aggregate aggregate) {
            List<Integer> keys = aggregate.getGroupSet().asList();
            return index < keys.size() ? walk(aggregate.getInput(), keys.get(index), search)
                    : search.atAggregate(aggregate.getAggCallList().get(index - keys.size()));
        }
        if (rel instanceof Join join) {
            int left = join.getLeft().getRowType().getFieldCount();
            return index < left ? walk(join.getLeft(), index, search) : walk(join.getRight(), index - left, search);
        }
        if (rel instanceof SetOp setOp) {
            return first(setOp.getInputs(), input -> walk(input, index, search));
        }
        // Filters, sorts, snapshots and the like pass their input's columns through unchanged.
        if (rel.getInputs().size() == 1
                && rel.getInput(0).getRowType().getFieldCount() == rel.getRowType().getFieldCount()) {
            return walk(rel.getInput(0), index, search);
        }
        return Optional.empty(); // a scan, values, or a shape this does not know: not refused on a guess
    }

    private static <T> Optional<String> first(List<T> items, java.util.function.Function<T, Optional<String>> find) {
        return items.stream().map(find).flatMap(Optional::stream).findFirst();
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
