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
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.KafkaBroker;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * Kafka ODS ingest: rows per second from a debezium-json topic into the lake's ods_orders, through
 * Weir's stream of the {@code kafka/ods_orders.sql} layer, against a bare Flink SQL job with the
 * same Kafka table, the same Paimon table and the same checkpoint interval (Paimon commits at
 * each checkpoint, so the interval bounds the rate: every commit writes files for every bucket). Each run reads the
 * whole topic into a fresh warehouse and is timed between its first commit and the commit that
 * completes the table; three runs each, alternating, medians compared.
 * With {@code backfill} as the third argument it times Weir's backfills of that topic instead: one day,
 * then seven days in one chunk, each into a fresh lake. A backfill reads the topic from its first
 * message whatever the range, so a day costs about a read of the whole topic.
 * Usage: bench/run KafkaIngestBench [messages, default 2000000] [checkpoint interval, default 5s] [backfill]
 */
public final class KafkaIngestBench {

    private static final Path HOME = Path.of(System.getProperty("weir.home", ".")).toAbsolutePath();
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final String TOPIC = "order_dw.orders";
    private static String checkpoint;

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        checkpoint = args.length > 1 ? args[1] : "5s";
        System.setProperty(KafkaBroker.LIB_PROPERTY,
                System.getProperty(KafkaBroker.LIB_PROPERTY, HOME.resolve("sandbox/kafka-dist/target/lib").toString()));
        Path work = Files.createTempDirectory("weir-kafka-bench");
        System.out.println("Kafka ingest benchmark (2 cores; a KRaft broker, kafka_2.13 3.9.1; flink-connector-kafka"
                + " 3.3.0-1.20; debezium-json; 1 partition; parallelism 1; checkpoint " + checkpoint + "; " + messages
                + " messages over 28 daily partitions x 2 buckets)");
        try (KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopic(TOPIC, 1, Map.of());
            fill(kafka, messages);
            if (args.length > 2 && args[2].equals("backfill")) {
                backfills(kafka, work, messages);
            } else {
                ingest(kafka, work, messages);
            }
        }
        System.exit(0);
    }

    private static void ingest(KafkaBroker kafka, Path work, int messages) throws Exception {
        double[] weir = new double[3];
        double[] bare = new double[3];
        try (FlinkSession session = FlinkSession.start(conf(work.resolve("probe"), kafka).flink())) {
            for (int round = 0; round < 3; round++) {
                bare[round] = bare(session, kafka, work.resolve("bare-" + round), messages);
                weir[round] = weir(session, kafka, work.resolve("weir-" + round), messages);
                System.out.printf("round %d: bare Flink job %,.0f rows/s, Weir's ODS layer %,.0f rows/s%n",
                        round + 1, bare[round], weir[round]);
            }
        }
        Arrays.sort(weir);
        Arrays.sort(bare);
        System.out.printf("median of three: Weir %,.0f rows/s / bare %,.0f rows/s = %.2f (target >= 0.95)%n",
                weir[1], bare[1], weir[1] / bare[1]);
    }

    /** Inserts as Debezium writes them: no schema envelope, op "c", orders over 28 days. */
    private static void fill(KafkaBroker kafka, int messages) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        Instant started = Instant.now();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < messages; i++) {
                String time = String.format("2023-02-%02d %02d:%02d:00", 1 + i % 28, i % 24, i % 60);
                producer.send(new ProducerRecord<>(TOPIC, String.valueOf(i), "{\"before\":null,\"after\":{\"order_id\":" + i
                        + ",\"user_id\":\"user_" + (i % 1000) + "\",\"shop_id\":" + (i % 50) + ",\"product_id\":" + (i % 5)
                        + ",\"buy_fee\":" + (i % 10000) + ".25,\"create_time\":\"" + time + "\",\"update_time\":\"" + time
                        + "\",\"state\":1},\"op\":\"c\"}"));
            }
            producer.flush();
        }
        System.out.printf("topic filled with %,d messages in %.1f s%n", messages,
                Duration.between(started, Instant.now()).toMillis() / 1000.0);
    }

    private static void backfills(KafkaBroker kafka, Path work, int messages) throws Exception {
        LocalDate first = LocalDate.of(2023, 2, 10);
        try (FlinkSession session = FlinkSession.start(conf(work.resolve("probe"), kafka).flink())) {
            for (int days : new int[] {1, 7}) {
                PipelineConf conf = conf(work.resolve("backfill-" + days), kafka);
                try (Lake lake = new Lake(conf)) {
                    Renderer renderer = new Renderer(conf);
                    Ledger ledger = new Ledger(lake);
                    Instant started = Instant.now();
                    BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger).plan(new BackfillRequest(
                            "ods_orders", first, first.plusDays(days - 1), false, days, 1, true, true));
                    BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger)
                            .run(plan, 1, BackfillProgress.NONE);
                    double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
                    if (!result.succeeded()) {
                        throw new IllegalStateException("the backfill failed: " + result.failures());
                    }
                    System.out.printf("backfill of %d day(s): %,d rows written in %.1f s (plan, staging the whole topic"
                            + " of %,d messages, overwrite, ledger): %,.0f topic messages/s%n", days, result.rowsWritten(),
                            seconds, messages, messages / seconds);
                }
            }
        }
    }

    private static double weir(FlinkSession session, KafkaBroker kafka, Path dir, int messages) throws Exception {
        PipelineConf conf = conf(dir, kafka);
        Instant submitted = Instant.now();
        RunningStream stream = new StreamRunner(conf, session).start(List.of(conf.layer("ods_orders")), true);
        try (Lake lake = new Lake(conf)) {
            return timed(submitted, lake, messages, () -> {
                stream.checkHealthy();
                return true;
            });
        } finally {
            stream.cancel();
        }
    }

    private static double bare(FlinkSession session, KafkaBroker kafka, Path dir, int messages) throws Exception {
        Configuration jobConf = new Configuration();
        jobConf.setString("execution.checkpointing.interval", checkpoint);
        jobConf.setString("pipeline.name", "bare kafka to paimon");
        // Paimon refuses Flink's sink upsert materializer; any Kafka changelog job into Paimon sets this.
        jobConf.setString("table.exec.sink.upsert-materialize", "NONE");
        StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, jobConf);
        Instant submitted = Instant.now();
        tEnv.executeSql("CREATE CATALOG bare WITH ('type' = 'paimon', 'warehouse' = '" + dir.resolve("warehouse").toUri() + "')");
        tEnv.executeSql("CREATE DATABASE IF NOT EXISTS bare.order_dw");
        tEnv.executeSql("CREATE TABLE bare.order_dw.ods_orders (order_id BIGINT NOT NULL, user_id STRING, shop_id BIGINT,"
                + " product_id BIGINT, buy_fee DECIMAL(20, 2), create_time TIMESTAMP(3) NOT NULL, update_time TIMESTAMP(3),"
                + " state INT, ds STRING NOT NULL, PRIMARY KEY (order_id, ds) NOT ENFORCED)"
                + " PARTITIONED BY (ds) WITH ('bucket' = '2', 'changelog-producer' = 'input')");
        tEnv.executeSql("CREATE TEMPORARY TABLE kafka_orders (order_id BIGINT NOT NULL, user_id STRING, shop_id BIGINT,"
                + " product_id BIGINT, buy_fee DECIMAL(20, 2), create_time TIMESTAMP(3) NOT NULL, update_time TIMESTAMP(3),"
                + " state INT, WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND) WITH ('connector' = 'kafka',"
                + " 'topic' = '" + TOPIC + "', 'format' = 'debezium-json', 'properties.bootstrap.servers' = '"
                + kafka.bootstrapServers() + "', 'properties.group.id' = 'bare', 'scan.startup.mode' = 'earliest-offset')");
        JobClient job = tEnv.executeSql("INSERT INTO bare.order_dw.ods_orders SELECT order_id, user_id, shop_id, product_id,"
                + " buy_fee, create_time, update_time, state, DATE_FORMAT(create_time, 'yyyyMMdd') FROM kafka_orders")
                .getJobClient().orElseThrow();
        try (Lake lake = new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "order_dw", Map.of()))) {
            return timed(submitted, lake, messages, () -> !job.getJobStatus().join().isGloballyTerminalState());
        } finally {
            job.cancel().join();
        }
    }

    /**
     * Rows per second between the table's first commit and the commit that completes it, from the
     * snapshots' own commit times: start-up is left out, and so is the wait for a checkpoint at either end.
     */
    private static double timed(Instant submitted, Lake lake, int messages, BooleanSupplier healthy) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (rows(lake) < messages) {
            if (!healthy.getAsBoolean() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the job stopped or timed out at " + rows(lake) + " of " + messages + " rows");
            }
            Thread.sleep(100);
        }
        org.apache.paimon.Snapshot first = null;
        org.apache.paimon.Snapshot complete = null;
        var snapshots = lake.table("ods_orders").snapshotManager();
        for (long id = snapshots.earliestSnapshotId(); id <= snapshots.latestSnapshotId(); id++) {
            var snapshot = snapshots.snapshot(id);
            long count = snapshot.totalRecordCount() == null ? 0 : snapshot.totalRecordCount();
            if (first == null && count > 0) {
                first = snapshot;
            }
            if (count >= messages) {
                complete = snapshot;
                break;
            }
        }
        double seconds = (complete.timeMillis() - first.timeMillis()) / 1000.0;
        System.out.printf("  %d commits; first commit %.1f s after submission with %,d rows%n",
                complete.id() - first.id() + 1, (first.timeMillis() - submitted.toEpochMilli()) / 1000.0,
                first.totalRecordCount());
        return (messages - first.totalRecordCount()) / seconds;
    }

    private static long rows(Lake lake) {
        try {
            var snapshot = lake.table("ods_orders").snapshotManager().latestSnapshot();
            return snapshot == null || snapshot.totalRecordCount() == null ? 0 : snapshot.totalRecordCount();
        } catch (RuntimeException notYet) {
            return 0;
        }
    }

    private static PipelineConf conf(Path dir, KafkaBroker kafka) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, "pipeline: { name: bench, start-date: 2023-01-01 }\n"
                + "templates: " + HOME.resolve("sql-templates") + "\n"
                + "warehouse: { uri: " + dir.resolve("warehouse").toUri() + ", database: order_dw }\n"
                + "source: { type: kafka, bootstrap-servers: '" + kafka.bootstrapServers() + "' }\n"
                + "flink: { web-ui-port: 0, parallelism: 1, checkpoint-interval: " + checkpoint + ", state-dir: "
                + dir.resolve("state").toUri() + ", source-idle-timeout: 2s }\n"
                + "layers:\n  - name: ods_orders\n    template: kafka/ods_orders.sql\n"
                + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n");
        return new PipelineConfLoader().load(file);
    }
}
