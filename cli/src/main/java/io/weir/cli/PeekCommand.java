package io.weir.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.FlinkSql;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * Seed 000's data profiling from the command line: a batch snapshot query of any table of the
 * pipeline (a layer's, or one of Weir's own such as the ledger), or its changes as they commit.
 */
@Command(name = "peek", mixinStandardHelpOptions = true,
        description = "Looks into a table: its rows now (a batch snapshot query, bounded by --limit), or with --follow"
                + " its changes as they commit (+I/-U/+U/-D), until Ctrl-C or --limit changes.")
final class PeekCommand implements Callable<Integer> {

    private static final int MAX_LIMIT = 100_000;

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-t", "--table"}, required = true, paramLabel = "TABLE",
            description = "A layer, a layer's table, or one of Weir's tables as weir.<name> (the ledger: weir.run_log,"
                    + " weir.partition_state; weir.seals, weir.verifications, weir.upgrades), where weir is"
                    + " warehouse.ledger-database.")
    String table;

    @Option(names = {"-p", "--partition"}, paramLabel = "WHEN",
            description = "Only this partition: a partition value, a day yyyy-MM-dd or an hour 'yyyy-MM-dd HH:00'.")
    String partition;

    @Option(names = {"-w", "--where"}, paramLabel = "SQL", description = "A Flink SQL condition on the table's columns.")
    String where;

    @Option(names = {"-n", "--limit"}, paramLabel = "N",
            description = "At most N rows (default 20), or with --follow stop after N changes (default: run until Ctrl-C).")
    Integer limit;

    @Option(names = "--follow", description = "Print the table's changes as they commit, from now or --from-snapshot.")
    boolean follow;

    @Option(names = "--from-snapshot", paramLabel = "ID", description = "With --follow: start at this snapshot instead of now.")
    Long fromSnapshot;

    @Option(names = "--json", description = "Print JSON: an array of rows, or with --follow one object per change.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            throw WeirException.badInput("--limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        if (fromSnapshot != null && !follow) {
            throw WeirException.badInput("--from-snapshot reads changes: give it with --follow");
        }
        try (Lake lake = new Lake(pipeline)) {
            Target target = target(pipeline, lake);
            checkFromSnapshot(lake, target);
            String query = query(pipeline, lake, target);
            PipelineConf quiet = pipeline.withFlink(pipeline.flink().withWebUiPort(0));
            try (FlinkSession session = FlinkSession.start(quiet.flink())) {
                StreamTableEnvironment tEnv = session.tableEnvironment(
                        follow ? RuntimeExecutionMode.STREAMING : RuntimeExecutionMode.BATCH, jobConf(target));
                new Renderer(pipeline).catalogStatements().forEach(tEnv::executeSql);
                TableResult result;
                try {
                    result = tEnv.executeSql(query);
                } catch (org.apache.flink.table.api.ValidationException | org.apache.flink.table.api.SqlParserException e) {
                    throw WeirException.badInput((where == null ? "" : "--where " + where + ": ") + io.weir.runner.session.PlanCheck.reason(e));
                }
                List<String> columns = result.getResolvedSchema().getColumnNames();
                // Ctrl-C ends the JVM, not the collect job: on a remote cluster it would run on unseen.
                Thread cancel = new Thread(() -> result.getJobClient().ifPresent(PeekCommand::cancelQuietly),
                        "weir-peek-cancel");
                Runtime.getRuntime().addShutdownHook(cancel);
                try (CloseableIterator<Row> rows = result.collect()) {
                    if (follow) {
                        printChanges(rows, columns);
                    } else {
                        printRows(rows, columns, target);
                    }
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(cancel);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is already running
                    }
                }
            }
        }
        return 0;
    }

    /** A snapshot that does not exist yet would be waited for in silence; one that expired cannot be read. */
    private void checkFromSnapshot(Lake lake, Target target) {
        if (fromSnapshot == null) {
            return;
        }
        org.apache.paimon.utils.SnapshotManager snapshots;
        try {
            snapshots = ((org.apache.paimon.table.FileStoreTable) lake.catalog().getTable(
                    org.apache.paimon.catalog.Identifier.create(target.database(), target.table()))).snapshotManager();
        } catch (org.apache.paimon.catalog.Catalog.TableNotExistException e) {
            throw WeirException.badInput("--table " + table + ": no such table in the warehouse");
        }
        Long earliest = snapshots.earliestSnapshotId();
        Long latest = snapshots.latestSnapshotId();
        if (latest == null) {
            throw WeirException.badInput("--from-snapshot " + fromSnapshot + ": table " + target.table()
                    + " has no snapshot yet; follow it from now without --from-snapshot");
        }
        if (fromSnapshot < earliest || fromSnapshot > latest) {
            throw WeirException.badInput("--from-snapshot " + fromSnapshot + ": table " + target.table() + " keeps snapshots "
                    + earliest + " to " + latest + (fromSnapshot > latest ? "; to follow from now, leave --from-snapshot out"
                    : "; older ones have expired"));
        }
    }

    private static void cancelQuietly(org.apache.flink.core.execution.JobClient job) {
        try {
            job.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // finished already, or the cluster is gone: nothing left to stop
        }
    }

    /** A table of the warehouse, by the name the user knows it by. */
    private record Target(String database, String table, Optional<LayerConf> layer) {
        String quoted() {
            return "`" + database.replace("`", "``") + "`.`" + table.replace("`", "``") + "`";
        }
    }

    private Target target(PipelineConf pipeline, Lake lake) {
        Optional<LayerConf> layer = pipeline.layers().stream()
                .filter(l -> l.name().equals(table) || l.table().equals(table)).findFirst();
        Target target;
        if (layer.isPresent()) {
            target = new Target(pipeline.warehouse().database(), layer.get().table(), layer);
        } else if (table.startsWith(lake.ledgerDatabase() + ".")) {
            target = new Target(lake.ledgerDatabase(), table.substring(lake.ledgerDatabase().length() + 1),
                    Optional.empty());
        } else {
            throw WeirException.badInput("--table " + table + " is no layer or table of " + pipeline.file() + " (layers: "
                    + String.join(", ", pipeline.layers().stream().map(LayerConf::name).toList()) + "; Weir's own tables: "
                    + String.join(", ", weirTables(lake)) + ")");
        }
        if (!tableExists(lake, target)) {
            throw WeirException.badInput("--table " + table + ": table " + target.database() + "." + target.table()
                    + " does not exist yet" + (target.layer().isPresent() ? ": run or backfill " + target.layer().get().name()
                    + " first" : " (Weir's tables: " + String.join(", ", weirTables(lake)) + ")"));
        }
        if (partition != null && (target.layer().isEmpty() || !target.layer().get().partitioned())) {
            throw WeirException.badInput("--partition: table " + target.table() + " has no partitions");
        }
        return target;
    }

    private String query(PipelineConf pipeline, Lake lake, Target target) {
        List<String> conditions = new ArrayList<>();
        if (partition != null) {
            LayerConf layer = target.layer().orElseThrow();
            List<String> values = layer.partition().orElseThrow().partitions(
                    PartitionRange.parse(layer, "--partition", partition, "--partition", partition))
                    .stream().map(Partition::value).toList();
            TreeSet<String> existing = new TreeSet<>(lake.partitionRecordCounts(target.table()).keySet());
            if (values.stream().noneMatch(existing::contains)) {
                throw WeirException.badInput("--partition " + partition + ": table " + target.table() + " has "
                        + wanted(values) + (existing.isEmpty() ? " (it has none yet)" : " (it has "
                        + existing.size() + ", from " + existing.first() + " to " + existing.last() + ")"));
            }
            String column = layer.partition().get().column();
            conditions.add("`" + column + "` IN (" + String.join(", ", values.stream().map(FlinkSql::literal).toList()) + ")");
        }
        if (where != null) {
            try {
                // One expression to its end: a second statement after the condition cannot parse.
                FlinkSql.parseExpression(where);
            } catch (WeirException e) {
                throw WeirException.badInput("--where " + where + ": not a condition Flink SQL can parse ("
                        + e.getMessage() + ")");
            }
            conditions.add("(" + where + ")");
        }
        String hint = !follow ? "" : fromSnapshot != null
                ? " /*+ OPTIONS('scan.mode' = 'from-snapshot', 'scan.snapshot-id' = '" + fromSnapshot + "') */"
                : " /*+ OPTIONS('scan.mode' = 'latest') */";
        return "SELECT * FROM " + target.quoted() + hint
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
                + (follow ? "" : " LIMIT " + (rowLimit() + 1));
    }

    /** The partitions asked for, as "no partition X" or, for a day of hours, as the range they span. */
    static String wanted(List<String> values) {
        return values.size() <= 3 ? "no partition " + String.join(", ", values)
                : "none of the " + values.size() + " partitions " + values.get(0) + " to " + values.get(values.size() - 1);
    }

    private int rowLimit() {
        return limit == null ? 20 : limit;
    }

    private Configuration jobConf(Target target) {
        Configuration jobConf = new Configuration();
        jobConf.setString("pipeline.name", "weir peek " + target.database() + "." + target.table());
        return jobConf;
    }

    private void printRows(CloseableIterator<Row> rows, List<String> columns, Target target) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Row> shown = new ArrayList<>();
        boolean more = false;
        while (rows.hasNext()) {
            Row row = rows.next();
            if (shown.size() == rowLimit()) {
                more = true;
                break;
            }
            shown.add(row);
        }
        if (json) {
            List<Map<String, Object>> objects = new ArrayList<>();
            shown.forEach(r -> objects.add(object(r, columns)));
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(objects));
        } else {
            TextTable text = new TextTable(columns.toArray(String[]::new));
            shown.forEach(r -> text.row(cells(r, columns)));
            text.print(out);
            out.println(shown.size() + " row(s) of " + target.database() + "." + target.table()
                    + (more ? "; more exist (--limit, --partition or --where to narrow)" : ""));
        }
        out.flush();
    }

    private void printChanges(CloseableIterator<Row> rows, List<String> columns) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();
        int printed = 0;
        while ((limit == null || printed < limit) && rows.hasNext()) {
            Row row = rows.next();
            if (json) {
                Map<String, Object> change = new LinkedHashMap<>();
                change.put("op", row.getKind().shortString());
                change.put("row", object(row, columns));
                out.println(mapper.writeValueAsString(change));
            } else {
                out.println(row.getKind().shortString() + " " + String.join(" | ", cells(row, columns)));
            }
            out.flush();
            printed++;
        }
    }

    private static Map<String, Object> object(Row row, List<String> columns) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            Object value = row.getField(i);
            object.put(columns.get(i), value == null || value instanceof Number || value instanceof Boolean ? value
                    : value.toString());
        }
        return object;
    }

    private static String[] cells(Row row, List<String> columns) {
        String[] cells = new String[columns.size()];
        for (int i = 0; i < cells.length; i++) {
            Object value = row.getField(i);
            cells[i] = value == null ? "NULL" : value instanceof java.math.BigDecimal d ? d.toPlainString() : value.toString();
        }
        return cells;
    }

    private static boolean tableExists(Lake lake, Target target) {
        try {
            lake.catalog().getTable(org.apache.paimon.catalog.Identifier.create(target.database(), target.table()));
            return true;
        } catch (org.apache.paimon.catalog.Catalog.TableNotExistException e) {
            return false;
        }
    }

    private static List<String> weirTables(Lake lake) {
        try {
            return lake.catalog().listTables(lake.ledgerDatabase()).stream()
                    .filter(t -> !t.startsWith("stg_") && !t.startsWith("verify_"))
                    .map(t -> lake.ledgerDatabase() + "." + t).sorted().toList();
        } catch (org.apache.paimon.catalog.Catalog.DatabaseNotExistException e) {
            return List.of();
        }
    }
}
