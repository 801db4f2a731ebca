package io.weir.bench;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.OrderWarehouseSample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * How soon a quiet source's last partition closes through every layer: MariaDB through CDC into
 * ods, dwd and dws, streaming. Each round commits one order and its payment for a new day, waits
 * for the stream to carry them to dws_users, and then for every table to be closed through that
 * day's end, though no watermark passes it. Printed: the time from the last commit of rows to any
 * table until the last layer closed, and from the MySQL commit; and what one closing answer costs
 * while every table is quiet (the snapshot scan behind {@code weir status} and readiness).
 *
 * <p>Usage: bench/run QuietCloseBench [quiet-timeout seconds, default 10] [checkpoint ms, default 1000] [rounds, default 5]
 */
public final class QuietCloseBench {

    private static final List<String> TABLES = List.of("ods_orders", "ods_orders_pay", "dwd_orders", "dws_users");

    public static void main(String[] args) throws Exception {
        Duration quiet = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        Duration checkpoint = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1000);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("weir-quiet-bench");
        System.out.printf("Quiet-source closing: ods -> dwd -> dws_users streaming, flink.quiet-timeout %s,"
                + " checkpoint interval %d ms, %d rounds%n", quiet.toString().substring(2).toLowerCase(),
                checkpoint.toMillis(), rounds);
        try (EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0)) {
            mariaDb.createDatabase("order_dw");
            try (Connection c = mariaDb.connect("order_dw")) {
                OrderWarehouseSample.createSchema(c);
                OrderWarehouseSample.loadSampleRowsIfEmpty(c);
            }
            PipelineConf conf = conf(dir, mariaDb.port(), checkpoint, quiet);
            try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
                RunningStream stream = new StreamRunner(conf, session).start(conf.layers(), true);
                List<Long> fromLastRows = new ArrayList<>();
                List<Long> fromMySql = new ArrayList<>();
                try {
                    Closing closing = new Closing(conf, lake, Clock.systemUTC());
                    await(stream, () -> lake.tableExists("dws_users") && rows(lake, "20230215") == 3, Duration.ofMinutes(3));
                    for (int round = 0; round < rounds; round++) {
                        LocalDate day = LocalDate.of(2023, 2, 16).plusDays(round);
                        String ds = day.toString().replace("-", "");
                        try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement()) {
                            s.executeUpdate("INSERT INTO orders VALUES (" + (910_000 + round) + ", 'quiet_user', 12345, 1,"
                                    + " 1.00, '" + day + " 01:00:00', '" + day + " 01:00:00', 1)");
                            s.executeUpdate("INSERT INTO orders_pay VALUES (" + (920_000 + round) + ", " + (910_000 + round)
                                    + ", 1, '" + day + " 01:00:00')");
                        }
                        long committed = System.currentTimeMillis();
                        await(stream, () -> rows(lake, ds) == 1, Duration.ofMinutes(3));
                        Instant end = day.plusDays(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
                        await(stream, () -> TABLES.stream().allMatch(t -> closing.of(t).passed(end)), Duration.ofMinutes(5));
                        long closed = System.currentTimeMillis();
                        long lastRows = TABLES.stream().mapToLong(t -> lake.lastDataAppendMillis(t, committed).orElse(0L))
                                .max().orElseThrow();
                        fromLastRows.add(closed - lastRows);
                        fromMySql.add(closed - committed);
                    }
                    List<Long> answers = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        long start = System.nanoTime();
                        new Closing(conf, lake, Clock.systemUTC()).of("dws_users");
                        answers.add((System.nanoTime() - start) / 1_000_000);
                    }
                    System.out.printf("  last rows committed to a table -> every layer closed: median %,d ms, max %,d ms"
                            + " (bound: quiet-timeout + 3 checkpoints + 10 s = %,d ms)%n", median(fromLastRows),
                            max(fromLastRows), quiet.plus(checkpoint.multipliedBy(3)).plusSeconds(10).toMillis());
                    System.out.printf("  MySQL commit -> every layer closed:              median %,d ms, max %,d ms%n",
                            median(fromMySql), max(fromMySql));
                    System.out.printf("  one closing answer for dws_users (4 tables, all quiet): median %,d ms, max %,d ms%n",
                            median(answers), max(answers));
                } finally {
                    stream.cancel();
                }
            }
        }
    }

    private static long rows(Lake lake, String ds) {
        return lake.rowsOfPartitions("dws_users", List.of(ds)).size();
    }

    private static void await(RunningStream stream, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            stream.checkHealthy();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static PipelineConf conf(Path dir, int mysqlPort, Duration checkpoint, Duration quiet) throws Exception {
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, ServingBench.streamingPipeline(dir, mysqlPort, checkpoint,
                ", quiet-timeout: " + quiet.toSeconds() + "s", ""));
        return new PipelineConfLoader().load(file);
    }
}
