package io.weir.bench;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code serving.type: jdbc} throughput: rows per second Weir's serving sync upserts into a
 * MySQL-protocol store (an embedded MariaDB), against a bare Flink job with Flink's JDBC connector
 * writing the same lake table's rows into the same store with the same sink options. Each is
 * timed from its first row in the store to the last, three times, alternating; the medians are compared.
 * Weir's run also holds the dws_users layer's own (idle) stream job, as {@code weir stream} does; a
 * third run submits the serving sync's own statements alone, to tell the two costs apart.
 * Usage: bench/run JdbcServingBench [rows, default 200000]
 */
public final class JdbcServingBench {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path work = Files.createTempDirectory("weir-jdbc-serving-bench");
        System.out.println("JDBC serving benchmark (2 cores; embedded MariaDB 10.11 as the store;"
                + " flink-connector-jdbc 3.3.0-1.20, MySQL dialect; parallelism 1; " + rows + " rows)");
        try (EmbeddedMariaDb store = EmbeddedMariaDb.start(work.resolve("mariadb"), 0)) {
            store.createDatabase("serving");
            PipelineConf conf = conf(work, store);
            try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
                ServingBench.loadUsers(conf, session, lake, rows);
                double[] weir = new double[3];
                double[] bare = new double[3];
                double[] alone = new double[3];
                for (int round = 0; round < 3; round++) {
                    bare[round] = bare(conf, session, store, rows);
                    weir[round] = weir(conf, session, store, rows);
                    alone[round] = syncAlone(conf, session, lake, store, rows);
                    System.out.printf("round %d: bare JDBC connector %,.0f rows/s, Weir's serving sync %,.0f rows/s,"
                            + " its statements alone %,.0f rows/s%n", round + 1, bare[round], weir[round], alone[round]);
                }
                java.util.Arrays.sort(weir);
                java.util.Arrays.sort(bare);
                java.util.Arrays.sort(alone);
                System.out.printf("median of three: Weir %,.0f rows/s / bare %,.0f rows/s = %.2f (target >= 0.95);"
                        + " the sync's statements without the layer's job: %.2f%n",
                        weir[1], bare[1], weir[1] / bare[1], alone[1] / bare[1]);
            }
        }
        System.exit(0);
    }

    /** Weir's path: the serving sync job StreamRunner starts for a served table. */
    private static double weir(PipelineConf conf, FlinkSession session, EmbeddedMariaDb store, int rows) throws Exception {
        truncate(store);
        RunningStream stream = new StreamRunner(conf, session).start(List.of(conf.layer("dws_users")), true);
        try {
            return timed(store, rows, () -> {
                stream.checkHealthy();
                return true;
            });
        } finally {
            stream.cancel();
        }
    }

    /** The serving sync's own statements, submitted alone: no layer job beside it. */
    private static double syncAlone(PipelineConf conf, FlinkSession session, Lake lake, EmbeddedMariaDb store, int rows)
            throws Exception {
        truncate(store);
        Configuration jobConf = new Configuration();
        jobConf.setString("execution.checkpointing.interval", "5s");
        jobConf.setString("pipeline.name", "serving sync alone");
        StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, jobConf);
        List<String> statements = new io.weir.runner.serving.ServingSync(conf, lake).streamStatements("dws_users");
        statements.subList(0, statements.size() - 1).forEach(tEnv::executeSql);
        JobClient job = tEnv.executeSql(statements.get(statements.size() - 1)).getJobClient().orElseThrow();
        try {
            return timed(store, rows, () -> !job.getJobStatus().join().isGloballyTerminalState());
        } finally {
            job.cancel().join();
        }
    }

    /** The same rows, read from the same lake table, written by a hand-written Flink SQL job. */
    private static double bare(PipelineConf conf, FlinkSession session, EmbeddedMariaDb store, int rows) throws Exception {
        truncate(store);
        Configuration jobConf = new Configuration();
        jobConf.setString("execution.checkpointing.interval", "5s");
        jobConf.setString("pipeline.name", "bare jdbc sink");
        StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, jobConf);
        new Renderer(conf).catalogStatements().forEach(tEnv::executeSql);
        tEnv.executeSql("CREATE TEMPORARY TABLE `default_catalog`.`default_database`.bare_sink ("
                + " user_id STRING NOT NULL, ds STRING NOT NULL, paied_buy_fee_sum DECIMAL(20, 2) NOT NULL,"
                + " PRIMARY KEY (user_id, ds) NOT ENFORCED) WITH ('connector' = 'jdbc', 'url' = '"
                + store.jdbcUrl("serving") + "', 'table-name' = 'dws_users', 'username' = 'root', 'password' = '')");
        JobClient job = tEnv.executeSql("INSERT INTO `default_catalog`.`default_database`.bare_sink SELECT * FROM dws_users")
                .getJobClient().orElseThrow();
        try {
            return timed(store, rows, () -> !job.getJobStatus().join().isGloballyTerminalState());
        } finally {
            job.cancel().join();
        }
    }

    /** Rows per second from the first row in the store to the last. */
    private static double timed(EmbeddedMariaDb store, int rows, BooleanSupplier healthy) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        Instant first = null;
        long count = 0;
        while (count < rows) {
            if (!healthy.getAsBoolean() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the job stopped or timed out at " + count + " of " + rows + " rows");
            }
            count = count(store);
            if (first == null && count > 0) {
                first = Instant.now();
            }
            Thread.sleep(20);
        }
        return rows / (Duration.between(first, Instant.now()).toMillis() / 1000.0);
    }

    private static PipelineConf conf(Path dir, EmbeddedMariaDb store) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, ServingBench.streamingPipeline(dir, 3306, Duration.ofSeconds(5), "",
                "serving: { type: jdbc, url: '" + store.jdbcUrl("serving") + "', username: root,"
                        + " tables: [dws_users] }\n"));
        return new PipelineConfLoader().load(file);
    }

    private static void truncate(EmbeddedMariaDb store) throws SQLException {
        try (Connection c = store.connect("serving"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS dws_users (user_id varchar(255) NOT NULL, ds varchar(255) NOT NULL,"
                    + " paied_buy_fee_sum decimal(20,2) NOT NULL, PRIMARY KEY (user_id, ds))");
            s.execute("TRUNCATE TABLE dws_users");
        }
    }

    private static long count(EmbeddedMariaDb store) {
        try (Connection c = store.connect("serving"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM dws_users")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0;
        }
    }
}
