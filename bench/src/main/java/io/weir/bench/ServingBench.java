package io.weir.bench;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.conf.ServingConf;
import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
import io.weir.sandbox.HologresEmulation;
import io.weir.sandbox.OrderGenerator;
import io.weir.sandbox.OrderWarehouseSample;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.Decimal;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serving figures on the embedded default (PostgreSQL with the Hologres emulation):
 * <ol>
 *   <li>upserts per second the stream sync writes, for a DWS table of N rows read from the lake;</li>
 *   <li>freshness: from a MySQL commit to the row visible in the serving table, through CDC, ODS,
 *       DWD, DWS and the sync, while the generator writes orders at a given rate.</li>
 * </ol>
 * Usage: bench/run ServingBench [rows, default 300000] [orders per second, default 5000] [checkpoint interval, default 2s]
 */
public final class ServingBench {

    private static final Path HOME = Path.of(System.getProperty("weir.home", ".")).toAbsolutePath();

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 5000;
        Duration checkpoint = Duration.parse("PT" + (args.length > 2 ? args[2] : "2s").toUpperCase());
        Path work = Files.createTempDirectory("weir-serving-bench");
        System.out.println("Serving benchmark (2 cores; embedded PostgreSQL " + "with the Hologres emulation; hologres-connector-flink 1.4.2)");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(work.resolve("postgres"), 0)) {
            postgres.createDatabase("weir");
            postgres.createUser("weir", "weir");
            try (Connection c = postgres.connect("weir")) {
                HologresEmulation.install(c);
            }
            upserts(work.resolve("upserts"), postgres, rows);
            freshness(work.resolve("freshness"), postgres, rate, checkpoint);
        }
        System.exit(0);
    }

    private static void upserts(Path dir, EmbeddedPostgres postgres, int rows) throws Exception {
        PipelineConf conf = conf(dir, postgres, 0, Duration.ofSeconds(5));
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            loadUsers(conf, session, lake, rows);
            Instant submitted = Instant.now();
            RunningStream stream = new StreamRunner(conf, session).start(List.of(conf.layer("dws_users")), true);
            Instant first = null;
            long count = 0;
            while (count < rows) {
                stream.checkHealthy();
                count = count(postgres, "SELECT count(*) FROM dws_users");
                if (first == null && count > 0) {
                    first = Instant.now();
                }
                Thread.sleep(50);
            }
            Instant done = Instant.now();
            stream.cancel();
            double seconds = Duration.between(first, done).toMillis() / 1000.0;
            System.out.printf("1. stream sync: %,d rows upserted into PostgreSQL in %.1f s from the first row (%,.0f rows/s;"
                    + " %.1f s from submission; the bare connector was measured at about 37k rows/s)%n",
                    rows, seconds, rows / seconds, Duration.between(submitted, done).toMillis() / 1000.0);
        }
    }

    private static void freshness(Path dir, EmbeddedPostgres postgres, double rate, Duration checkpoint) throws Exception {
        try (EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0)) {
            mariaDb.createDatabase("order_dw");
            try (Connection c = mariaDb.connect("order_dw")) {
                OrderWarehouseSample.createSchema(c);
                OrderWarehouseSample.loadSampleRowsIfEmpty(c);
            }
            postgres.createDatabase("fresh");
            try (Connection c = postgres.connect("fresh")) {
                HologresEmulation.install(c);
            }
            PipelineConf conf = conf(dir, postgres, mariaDb.port(), checkpoint);
            conf = conf.withServing(new ServingConf(conf.serving().get().type(), conf.serving().get().endpoint(), null, "fresh",
                    "public", "weir", "weir", List.of("dws_users"), dir, 0, Map.of()));
            try (FlinkSession session = FlinkSession.start(conf.flink())) {
                RunningStream stream = new StreamRunner(conf, session).start(conf.layers(), true);
                await(stream, () -> count(postgres, "fresh", "SELECT count(*) FROM dws_users WHERE ds = '20230215'") == 3,
                        Duration.ofMinutes(3));
                List<Long> latencies = new ArrayList<>();
                try (OrderGenerator generator = new OrderGenerator(() -> connect(mariaDb), rate).start();
                        Connection probe = mariaDb.connect("order_dw")) {
                    Instant started = Instant.now();
                    for (int i = 0; i < 20; i++) {
                        Thread.sleep(1500);
                        String user = "probe_" + i;
                        Timestamp now = Timestamp.from(Instant.now().truncatedTo(ChronoUnit.SECONDS));
                        try (PreparedStatement order = probe.prepareStatement("INSERT INTO orders VALUES (?, ?, 12345, 1, 1.00, ?, ?, 1)");
                                PreparedStatement pay = probe.prepareStatement("INSERT INTO orders_pay VALUES (?, ?, 1, ?)")) {
                            order.setLong(1, 900_000_000L + i);
                            order.setString(2, user);
                            order.setTimestamp(3, now);
                            order.setTimestamp(4, now);
                            order.executeUpdate();
                            pay.setLong(1, 900_000_000L + i);
                            pay.setLong(2, 900_000_000L + i);
                            pay.setTimestamp(3, now);
                            pay.executeUpdate();
                        }
                        Instant committed = Instant.now();
                        await(stream, () -> count(postgres, "fresh", "SELECT count(*) FROM dws_users WHERE user_id = '" + user + "'") > 0,
                                Duration.ofMinutes(5));
                        latencies.add(Duration.between(committed, Instant.now()).toMillis());
                    }
                    double achieved = generator.ordersWritten() / (Duration.between(started, Instant.now()).toMillis() / 1000.0);
                    latencies.sort(Long::compare);
                    System.out.printf("2. freshness, MySQL commit -> row in the serving table (checkpoint interval %d ms,"
                                    + " generator asked for %.0f orders/s and wrote %.0f/s, %d probes): p50 %d ms, p99 %d ms,"
                                    + " max %d ms (target p99 <= %d ms)%n",
                            checkpoint.toMillis(), rate, achieved, latencies.size(), latencies.get(latencies.size() / 2),
                            latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1), latencies.get(latencies.size() - 1),
                            checkpoint.toMillis() + 2000);
                }
                stream.cancel();
            }
        }
    }

    /** Creates the pipeline's tables and commits {@code rows} rows of dws_users over 28 days in one batch. */
    static void loadUsers(PipelineConf conf, FlinkSession session, Lake lake, int rows) throws Exception {
        new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
        // Readers of a lookup-changelog table skip level-0 files: the load is compacted at commit,
        // which spills lookup files to local disk.
        BatchWriteBuilder builder = lake.table("dws_users").newBatchWriteBuilder();
        try (BatchTableWrite write = (BatchTableWrite) builder.newWrite().withIOManager(
                    org.apache.paimon.disk.IOManager.create(System.getProperty("java.io.tmpdir")));
                BatchTableCommit commit = builder.newCommit()) {
            for (int i = 0; i < rows; i++) {
                write.write(GenericRow.of(BinaryString.fromString(String.format("user_%07d", i)),
                        BinaryString.fromString(String.format("202301%02d", 1 + i % 28)),
                        Decimal.fromBigDecimal(BigDecimal.valueOf(i, 2), 20, 2)));
            }
            commit.commit(write.prepareCommit());
        }
    }

    private static PipelineConf conf(Path dir, EmbeddedPostgres postgres, int mysqlPort, Duration checkpoint) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, streamingPipeline(dir, mysqlPort == 0 ? 3306 : mysqlPort, checkpoint, "",
                "serving: { endpoint: '127.0.0.1:" + postgres.port() + "', database: weir, username: weir, password: weir,"
                        + " tables: [dws_users] }\n"));
        return new PipelineConfLoader().load(file);
    }

    /**
     * A pipeline of the quickstart's layers, unscheduled, streaming from MariaDB on {@code mysqlPort}
     * into a warehouse under {@code dir}, with more flink keys and sections as given.
     */
    static String streamingPipeline(Path dir, int mysqlPort, Duration checkpoint, String moreFlink, String moreSections)
            throws java.io.IOException {
        String quickstart = Files.readString(HOME.resolve("conf/quickstart.yaml"));
        String layers = quickstart.substring(quickstart.indexOf("\nlayers:") + 1).replaceAll("(?m)^    schedule: .*\\n", "");
        return "pipeline: { name: bench, start-date: 2023-01-01 }\n"
                + "templates: " + HOME.resolve("sql-templates") + "\n"
                + "warehouse: { uri: " + dir.resolve("warehouse").toUri() + ", database: order_dw }\n"
                + "source: { hostname: 127.0.0.1, port: " + mysqlPort + ", database: order_dw,"
                + " options: { debezium.poll.interval.ms: '20' } }\n"
                + "flink: { web-ui-port: 0, parallelism: 1, checkpoint-interval: " + checkpoint.toMillis() + "ms, state-dir: "
                + dir.resolve("state").toUri() + ", source-idle-timeout: 2s" + moreFlink + " }\n"
                + moreSections + layers;
    }

    private static Connection connect(EmbeddedMariaDb mariaDb) {
        try {
            return mariaDb.connect("order_dw");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(EmbeddedPostgres postgres, String sql) {
        return count(postgres, "weir", sql);
    }

    private static long count(EmbeddedPostgres postgres, String database, String sql) {
        try (Connection c = postgres.connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0;
        }
    }

    private static void await(RunningStream stream, java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            stream.checkHealthy();
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(20);
        }
    }
}
