package io.weir.bench;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.backfill.verify.RowDiff;
import io.weir.backfill.verify.Verifier;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cost of staying consistent, and of proving it.
 * <ul>
 *   <li>A Weir backfill of sealed partitions (seals recorded, the stream's statefulness planned, the
 *       commits since the round scanned for races) against a plain batch recompute of the same
 *       partitions: one hand-written INSERT OVERWRITE. Target ratio ≤ 1.2.</li>
 *   <li>{@code weir verify} of the same partitions (recompute into a scratch table, then a row-by-row
 *       diff) in rows/s, against a plain batch SELECT of those partitions.</li>
 * </ul>
 * No stream runs here, so no backfill waits for one to see the seal; with a stream writing the table
 * that wait adds three checkpoint intervals plus a second, once per layer per run.
 *
 * <p>Usage: bench/run ConsistencyBench [rows per partition, default 200000] [partitions, default 10]
 */
public final class ConsistencyBench {

    private static final LocalDate FIRST = LocalDate.of(2023, 3, 1);

    public static void main(String[] args) throws Exception {
        long rowsPerPartition = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        LocalDate last = FIRST.plusDays(partitions - 1);
        Path work = Files.createTempDirectory("weir-consistency-bench");
        PipelineConf conf = BackfillBench.lakeOnlyConf(work);
        System.out.printf("Consistency benchmark: dws_users over %d daily partitions of %,d dwd_orders rows, parallelism 2%n",
                partitions, rowsPerPartition);
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            Renderer renderer = new Renderer(conf);
            new TableCreator(conf, session, renderer).createMissingTables();
            BackfillBench.generateDwdOrders(session, conf, renderer, rowsPerPartition, partitions);
            BackfillBench.handWritten(conf, renderer, last, partitions); // warm-up

            Ledger ledger = new Ledger(lake);
            double plain = Double.MAX_VALUE;
            double weir = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                plain = Math.min(plain, BackfillBench.handWritten(conf, renderer, last, partitions));
                BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                        .plan(new BackfillRequest("dws_users", FIRST, last, false, partitions, 1, true, false));
                long start = System.nanoTime();
                // A new runner each time: it plans the layer's stream form once, as a command does.
                BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger)
                        .run(plan, 1, BackfillProgress.NONE);
                weir = Math.min(weir, (System.nanoTime() - start) / 1e9);
                if (!result.succeeded()) {
                    throw new IllegalStateException(result.failures().toString());
                }
            }
            System.out.printf("  plain batch recompute (INSERT OVERWRITE)  %6.2f s%n", plain);
            System.out.printf("  Weir backfill of sealed partitions        %6.2f s   ratio %.2f (target <= 1.2)%n",
                    weir, weir / plain);

            List<String> values = conf.layer("dws_users").partition().orElseThrow().partitions(FIRST, last).stream()
                    .map(p -> p.value()).toList();
            double select = Double.MAX_VALUE;
            long selected = 0;
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                selected = plainSelect(session, renderer, values);
                select = Math.min(select, (System.nanoTime() - start) / 1e9);
            }
            double verify = Double.MAX_VALUE;
            long compared = 0;
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                List<RowDiff.PartitionDiff> diffs = new Verifier(conf, session, renderer, lake)
                        .verify(conf.layer("dws_users"), FIRST, last);
                verify = Math.min(verify, (System.nanoTime() - start) / 1e9);
                compared = diffs.stream().mapToLong(d -> d.equal() + d.differing() + d.missing() + d.extra()).sum();
                if (!diffs.stream().allMatch(RowDiff.PartitionDiff::same)) {
                    throw new IllegalStateException("verify found differences: " + diffs);
                }
            }
            System.out.printf("  plain batch SELECT of the partitions      %6.2f s   %,10.0f rows/s (%,d rows)%n",
                    select, selected / select, selected);
            System.out.printf("  weir verify of the partitions             %6.2f s   %,10.0f rows/s (%,d rows compared, %.1fx the SELECT)%n",
                    verify, compared / verify, compared, verify / select);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long plainSelect(FlinkSession session, Renderer renderer, List<String> values) throws Exception {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH, new Configuration());
        renderer.catalogStatements().forEach(tEnv::executeSql);
        long rows = 0;
        try (CloseableIterator<Row> it = tEnv.executeSql("SELECT * FROM dws_users WHERE ds BETWEEN '" + values.get(0)
                + "' AND '" + values.get(values.size() - 1) + "'").collect()) {
            while (it.hasNext()) {
                it.next();
                rows++;
            }
        }
        return rows;
    }
}
