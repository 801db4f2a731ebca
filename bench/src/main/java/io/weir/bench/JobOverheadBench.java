package io.weir.bench;

import io.weir.runner.conf.FlinkConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import io.weir.runner.session.FlinkSession;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Per-job overhead of a small batch statement: submitted to Weir's one shared cluster (a new table
 * environment per job, as Weir does) versus a fresh local TableEnvironment per statement (a new
 * MiniCluster each time). Target: shared cluster at most 0.5 s per job.
 *
 * <p>Usage: bench/run JobOverheadBench [jobs per mode, default 20]
 */
public final class JobOverheadBench {

    private static final String SOURCE = "CREATE TEMPORARY TABLE src (id BIGINT, v DOUBLE) WITH ("
            + "'connector' = 'datagen', 'number-of-rows' = '1000', 'rows-per-second' = '1000000000')";
    private static final String SINK = "CREATE TEMPORARY TABLE sink (n BIGINT, total DOUBLE) WITH ('connector' = 'blackhole')";
    private static final String STATEMENT = "INSERT INTO sink SELECT COUNT(*), SUM(v) FROM src";

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int warmup = 2;
        System.out.println("Job overhead: " + jobs + " small batch jobs per mode (" + warmup + " warm-up runs not counted)");

        List<Double> shared = new ArrayList<>();
        long start = System.nanoTime();
        try (FlinkSession session = FlinkSession.start(flinkConf())) {
            double clusterStart = (System.nanoTime() - start) / 1e9;
            System.out.printf("  shared cluster start (once per Weir process): %.2f s%n", clusterStart);
            for (int i = 0; i < jobs + warmup; i++) {
                long t = System.nanoTime();
                TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH, new Configuration());
                runJob(tEnv);
                if (i >= warmup) {
                    shared.add((System.nanoTime() - t) / 1e9);
                }
            }
        }

        List<Double> fresh = new ArrayList<>();
        for (int i = 0; i < jobs + warmup; i++) {
            long t = System.nanoTime();
            runJob(TableEnvironment.create(EnvironmentSettings.inBatchMode()));
            if (i >= warmup) {
                fresh.add((System.nanoTime() - t) / 1e9);
            }
        }
        print("Weir shared cluster", shared);
        print("fresh local TableEnvironment", fresh);
        System.out.printf("  speed-up: %.1fx (median); target: shared cluster <= 0.5 s per job -> %s%n",
                median(fresh) / median(shared), median(shared) <= 0.5 ? "met" : "NOT met");
    }

    private static void runJob(TableEnvironment tEnv) throws Exception {
        tEnv.executeSql(SOURCE);
        tEnv.executeSql(SINK);
        tEnv.executeSql(STATEMENT).await();
    }

    private static FlinkConf flinkConf() {
        return new FlinkConf(FlinkTarget.EMBEDDED, null, 0, 4, 1, Duration.ofSeconds(10), "file:///tmp/weir-bench-state",
                Duration.ofSeconds(30), Duration.ZERO, 0, Duration.ofSeconds(1), List.of(), Map.of());
    }

    private static void print(String mode, List<Double> seconds) {
        List<Double> sorted = new ArrayList<>(seconds);
        Collections.sort(sorted);
        double mean = sorted.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        System.out.printf("  %-30s mean %.3f s   median %.3f s   p90 %.3f s   min %.3f s   max %.3f s%n", mode, mean,
                median(sorted), sorted.get((int) Math.floor(0.9 * (sorted.size() - 1))), sorted.get(0),
                sorted.get(sorted.size() - 1));
    }

    private static double median(List<Double> seconds) {
        List<Double> sorted = new ArrayList<>(seconds);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
