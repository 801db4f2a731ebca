package io.weir.runner.session;

import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;

import java.util.List;
import java.util.Set;

/**
 * Whether a streaming job's output for a partition can go stale once written: its optimized physical
 * plan has an aggregate, a regular or temporal join, a TOP-N, a deduplication, an over window, or a
 * lookup join. The first keep state built from everything the job has seen, and a backfill leaves
 * that state stale for the partitions it rebuilt. A lookup join reads the looked-up table as it was
 * when each row passed: when a dimension row changes, or a row's partition moves, the rows written
 * earlier keep the old lookup, where a batch recomputation reads the table as it is. Only a job of
 * projections, filters and unions writes each change as it comes and is never stale.
 */
public final class StatefulPlan {

    private static final Set<String> STATEFUL_NODES = Set.of(
            "GroupAggregate", "GlobalGroupAggregate", "LocalGroupAggregate", "IncrementalGroupAggregate",
            "GroupTableAggregate", "PythonGroupAggregate",
            "Join", "IntervalJoin", "TemporalJoin", "WindowJoin", "MultipleInput",
            "Rank", "Deduplicate", "Limit", "SortLimit", "Sort",
            "OverAggregate", "PythonOverAggregate",
            "GroupWindowAggregate", "WindowAggregate", "LocalWindowAggregate", "GlobalWindowAggregate",
            "WindowRank", "WindowDeduplicate", "Match",
            "LookupJoin");

    /**
     * Operators that drop a row arriving behind their watermark: event-time windows, interval joins,
     * event-time OVER windows, MATCH_RECOGNIZE and event-time sorts. (On processing time nothing is
     * late; the plan's node names do not tell the two apart, so these count as "can drop".)
     */
    private static final Set<String> LATE_DROPPING_NODES = Set.of(
            "GroupWindowAggregate", "WindowAggregate", "LocalWindowAggregate", "GlobalWindowAggregate",
            "WindowRank", "WindowDeduplicate", "WindowJoin", "WindowTableFunction", "IntervalJoin",
            "OverAggregate", "PythonOverAggregate", "Match", "TemporalSort");

    private StatefulPlan() {}

    /**
     * The first operator of the job, as Flink's plan names it, that can drop rows arriving behind its
     * watermark: a batch recomputation counts such rows, the stream never does.
     */
    public static java.util.Optional<String> lateDropping(TableEnvironment tEnv, List<String> inserts) {
        StatementSet job = tEnv.createStatementSet();
        inserts.forEach(job::addInsertSql);
        return lateDropping(job.explain());
    }

    static java.util.Optional<String> lateDropping(String explain) {
        return nodes(explain).stream().map(StatefulPlan::name).filter(LATE_DROPPING_NODES::contains).findFirst();
    }

    /**
     * Plans every INSERT of the job together, as it runs: a layer whose first INSERT only copies
     * rows may aggregate in another.
     */
    public static boolean isStateful(TableEnvironment tEnv, List<String> inserts) {
        StatementSet job = tEnv.createStatementSet();
        inserts.forEach(job::addInsertSql);
        return isStateful(job.explain());
    }

    /** @param explain Flink's explain output of the job's INSERTs */
    static boolean isStateful(String explain) {
        return nodes(explain).stream().anyMatch(node -> STATEFUL_NODES.contains(name(node)));
    }

    /**
     * What a job reads and how: the tables it scans and the tables it looks up, each as
     * {@code catalog.database.table}, and whether it keeps state.
     */
    public record Shape(boolean stateful, Set<String> scanned, Set<String> lookedUp) {}

    public static Shape shape(TableEnvironment tEnv, List<String> inserts) {
        StatementSet job = tEnv.createStatementSet();
        inserts.forEach(job::addInsertSql);
        return shape(job.explain());
    }

    static Shape shape(String explain) {
        Set<String> scanned = new java.util.TreeSet<>();
        Set<String> lookedUp = new java.util.TreeSet<>();
        for (String node : nodes(explain)) {
            if (name(node).equals("TableSourceScan")) {
                // table=[[catalog, database, table, project=[...], ...]]
                String spec = node.substring(node.indexOf("table=[[") + "table=[[".length());
                String[] parts = spec.split(", ", 4);
                scanned.add(parts[0] + "." + parts[1] + "." + parts[2].replaceFirst("]].*$", ""));
            } else if (name(node).equals("LookupJoin")) {
                // table=[catalog.database.table]
                String spec = node.substring(node.indexOf("table=[") + "table=[".length());
                lookedUp.add(spec.substring(0, spec.indexOf(']')));
            }
        }
        return new Shape(isStateful(explain), scanned, lookedUp);
    }

    /** The optimized physical plan's nodes, one line each, indentation removed. */
    private static List<String> nodes(String explain) {
        int start = explain.indexOf("== Optimized Physical Plan ==");
        int end = explain.indexOf("== Optimized Execution Plan ==");
        String physical = start < 0 ? explain : explain.substring(start, end > start ? end : explain.length());
        return physical.lines().map(line -> line.replaceFirst("^[\\s:+|-]*", "")).filter(n -> n.indexOf('(') > 0).toList();
    }

    private static String name(String node) {
        return node.substring(0, node.indexOf('('));
    }
}
