package io.weir.bench;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Backfill throughput: dws_users over N daily partitions of dwd_orders rows, with Weir at several
 * batch sizes and concurrencies, against one hand-written INSERT OVERWRITE of the whole range in a
 * plain TableEnvironment (the same query, dynamic partition overwrite).
 *
 * <p>Usage: bench/run BackfillBench [rows per partition, default 200000] [partitions, default 30]
 */
public final class BackfillBench {

    private static final LocalDate FIRST = LocalDate.of(2023, 3, 1);

    public static void main(String[] args) throws Exception {
        long rowsPerPartition = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        LocalDate last = FIRST.plusDays(partitions - 1);
        long totalRows = rowsPerPartition * partitions;
        Path work = Files.createTempDirectory("weir-backfill-bench");
        PipelineConf conf = lakeOnlyConf(work);
        System.out.printf("Backfill benchmark: dws_users over %d daily partitions of %,d dwd_orders rows (%,d rows), parallelism 2%n",
                partitions, rowsPerPartition, totalRows);

        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            Renderer renderer = new Renderer(conf);
            new TableCreator(conf, session, renderer).createMissingTables();
            long t = System.nanoTime();
            generateDwdOrders(session, conf, renderer, rowsPerPartition, partitions);
            System.out.printf("  generated dwd_orders in %.1f s%n", (System.nanoTime() - t) / 1e9);

            double handWritten = handWritten(conf, renderer, last, partitions);
            System.out.printf("  %-40s %7.1f s  %,10.0f rows/s  (1.00x)%n", "hand-written INSERT OVERWRITE, range",
                    handWritten, totalRows / handWritten);

            Ledger ledger = new Ledger(lake);
            for (int batchSize : new int[] {1, 7, partitions}) {
                for (int concurrency : new int[] {1, 2}) {
                    BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                            .plan(new BackfillRequest("dws_users", FIRST, last, false, batchSize, concurrency, true, true));
                    long start = System.nanoTime();
                    BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger)
                            .run(plan, concurrency, BackfillProgress.NONE);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (!result.succeeded()) {
                        throw new IllegalStateException(result.failures().toString());
                    }
                    System.out.printf("  %-40s %7.1f s  %,10.0f rows/s  (%.2fx)%n",
                            "Weir batch-size " + batchSize + ", concurrency " + concurrency, seconds,
                            totalRows / seconds, handWritten / seconds);
                }
            }
            // The first hand-written run paid for a cold JVM; measure it again, warm, for a fair ratio.
            double warm = handWritten(conf, renderer, last, partitions);
            System.out.printf("  %-40s %7.1f s  %,10.0f rows/s  (ratios above are against the first run;"
                    + " against this one multiply by %.2f)%n", "hand-written again, warm JVM", warm, totalRows / warm,
                    warm / handWritten);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The example warehouse in {@code work}, at parallelism 2, on a cluster of its own port, serving nothing. */
    static PipelineConf lakeOnlyConf(Path work) {
        PipelineConf base = new PipelineConfLoader().load(Path.of(System.getProperty("weir.home", "."), "conf/quickstart.yaml"));
        return base
                .withWarehouse(new WarehouseConf(work.resolve("warehouse").toUri().toString(), "order_dw", Map.of()))
                .withFlink(base.flink().withWebUiPort(0).withStateDir(work.resolve("state").toUri().toString())
                        .withParallelism(2))
                .withoutServing();
    }

    /** Paid orders spread evenly over the days, each paid on its order's day. */
    static void generateDwdOrders(FlinkSession session, PipelineConf conf, Renderer renderer,
            long rowsPerPartition, int partitions) throws Exception {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH, new Configuration());
        renderer.catalogStatements().forEach(tEnv::executeSql);
        tEnv.executeSql("CREATE TEMPORARY TABLE gen (id BIGINT, fee DECIMAL(20, 2)) WITH ('connector' = 'datagen',"
                + " 'number-of-rows' = '" + rowsPerPartition * partitions + "', 'rows-per-second' = '1000000000',"
                + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '"
                + rowsPerPartition * partitions + "', 'fields.fee.min' = '1', 'fields.fee.max' = '9999')");
        tEnv.executeSql("INSERT INTO dwd_orders SELECT id, DATE_FORMAT(t, 'yyyyMMdd'), CONCAT('user_', CAST(id % 5000 AS STRING)),"
                + " id % 200, id % 5, 'phone', fee, t, t, 1, id, CAST(id % 2 AS INT), t + INTERVAL '1' HOUR, t"
                + " FROM (SELECT id, fee, TIMESTAMPADD(SECOND, CAST(id % 36000 AS INT), TIMESTAMPADD(DAY, CAST(id % "
                + partitions + " AS INT), TIMESTAMP '2023-03-01 00:00:00')) AS t FROM gen)").await();
    }

    /** What a user would write by hand: one INSERT OVERWRITE of the range, in a fresh TableEnvironment. */
    static double handWritten(PipelineConf conf, Renderer renderer, LocalDate last, int partitions) throws Exception {
        long start = System.nanoTime();
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        tEnv.getConfig().set("parallelism.default", "2");
        renderer.catalogStatements().forEach(tEnv::executeSql);
        String end = last.toString().replace("-", "");
        tEnv.executeSql("INSERT OVERWRITE dws_users SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds,"
                + " SUM(order_fee) FROM dwd_orders WHERE pay_id IS NOT NULL AND order_fee IS NOT NULL AND ds <= '" + end
                + "' AND DATE_FORMAT(pay_create_time, 'yyyyMMdd') BETWEEN '20230301' AND '" + end
                + "' GROUP BY order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd')").await();
        return (System.nanoTime() - start) / 1e9;
    }
}
