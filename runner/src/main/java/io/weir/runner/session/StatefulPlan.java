package io.weir.runner.session;

import java.util.Set;

/**
 * Whether a streaming job keeps state that decides what it writes: its optimized physical plan has
 * an aggregate, a regular join, a TOP-N, a deduplication or an over window. Such a job's output for
 * a partition depends on everything it has seen, so after a backfill its state is stale for that
 * partition. A job of only projections, filters, unions and lookup joins writes each change as it
 * comes and is never stale.
 */
public final class StatefulPlan {

    private static final Set<String> STATEFUL_NODES = Set.of(
            "GroupAggregate", "GlobalGroupAggregate", "LocalGroupAggregate", "IncrementalGroupAggregate",
            "GroupTableAggregate", "PythonGroupAggregate",
            "Join", "IntervalJoin", "TemporalJoin", "WindowJoin", "MultipleInput",
            "Rank", "Deduplicate", "Limit", "SortLimit", "Sort",
            "OverAggregate", "PythonOverAggregate",
            "GroupWindowAggregate", "WindowAggregate", "LocalWindowAggregate", "GlobalWindowAggregate",
            "WindowRank", "WindowDeduplicate", "Match");

    private StatefulPlan() {}

    /** @param explain Flink's {@code explainSql} output of the job's INSERT */
    public static boolean isStateful(String explain) {
        int start = explain.indexOf("== Optimized Physical Plan ==");
        int end = explain.indexOf("== Optimized Execution Plan ==");
        String physical = start < 0 ? explain : explain.substring(start, end > start ? end : explain.length());
        for (String line : physical.split("\n")) {
            String node = line.replaceFirst("^[\\s:+|-]*", "");
            int paren = node.indexOf('(');
            if (paren > 0 && STATEFUL_NODES.contains(node.substring(0, paren))) {
                return true;
            }
        }
        return false;
    }
}
