package io.weir.backfill;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.KafkaBroker;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code source.type: kafka} on real components, seed 003's path: a Flink CDC job reads the
 * embedded MariaDB's binlog and writes each table to a topic of a real KRaft broker, orders and the
 * catalog as Debezium messages, payments as Canal messages. Weir's ODS layers read those topics; DWD and DWS
 * are the example's. The oracle is MySQL's own aggregate.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaSourceTest {

    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final List<String> TOPICS = List.of("order_dw.orders", "order_dw.orders_pay", "order_dw.product_catalog");

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static KafkaBroker kafka;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static JobClient feed;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        TOPICS.forEach(topic -> kafka.createTopic(topic, 1, Map.of()));
        conf = TestConfs.load(TestConfs.write(dir, sections(kafka.bootstrapServers()), kafkaLayers()));
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
        feed = feed();
    }

    @AfterAll
    static void stop() throws Exception {
        if (stream != null) {
            stream.cancel();
        }
        if (feed != null) {
            feed.cancel().get();
        }
        lake.close();
        session.close();
        kafka.close();
        mariaDb.close();
    }

    static String sections(String bootstrapServers) {
        return TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                .replaceFirst("source:\\n(  .*\\n)+", "source:\n  type: kafka\n  bootstrap-servers: " + bootstrapServers + "\n");
    }

    /** The example's layers, with the ODS layers reading the topics. */
    static String kafkaLayers() {
        return TestConfs.exampleLayers().replace("template: ods_", "template: kafka/ods_");
    }

    @Test
    @Order(1)
    void theStreamReadsDebeziumAndCanalTopicsToMySqlsTotals() throws Exception {
        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        awaitTotalsEqualMySql();
        // An update, a delete and a new paid order travel MySQL -> CDC -> Kafka -> ODS -> DWS.
        SampleSource.execute(mariaDb,
                "UPDATE orders SET buy_fee = 2000.00, update_time = '2023-02-15 19:00:00' WHERE order_id = 100001",
                "DELETE FROM orders WHERE order_id = 100003",
                "INSERT INTO orders VALUES (100100, 'user_004', 12345, 1, 77.70, '2023-02-15 20:00:00',"
                        + " '2023-02-15 20:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2100, 100100, 1, '2023-02-15 20:30:00')");
        awaitTotalsEqualMySql();
        assertEquals(mysqlOrders(), lakeOrders(), "ods_orders holds MySQL's orders of the day");
        // As Debezium writes it: the update is one message, so no checkpoint splits it into a delete and an insert.
        List<String> order100001 = kafka.messages("order_dw.orders").stream()
                .filter(m -> m.contains("\"order_id\":100001,")).toList();
        assertEquals(2, order100001.size(), order100001.toString());
        assertTrue(order100001.get(1).contains("\"buy_fee\":2000,") && order100001.get(1).endsWith("\"op\":\"u\"}"),
                order100001.toString());
    }

    @Test
    @Order(2)
    void aBackfillReReadsTheTopicBoundedByTheRange() throws Exception {
        // An order of the day whose only message was stamped days before it (a booking ahead; it is in
        // MySQL without a binlog entry, so the CDC feed does not send it again): a read that starts
        // near the range would miss it, and the rebuild would drop it.
        try (java.sql.Connection c = mariaDb.connect(SampleSource.DATABASE); java.sql.Statement s = c.createStatement()) {
            s.execute("SET sql_log_bin = 0");
            s.execute("INSERT INTO orders VALUES (100301, 'user_003', 12345, 1, 33.30, '2023-02-15 09:00:00',"
                    + " '2023-02-15 09:00:00', 1)");
        }
        kafka.produce("order_dw.orders", D.minusDays(5).atStartOfDay().toInstant(java.time.ZoneOffset.UTC), List.of(
                "{\"before\":null,\"after\":{\"order_id\":100301,\"user_id\":\"user_003\",\"shop_id\":12345,"
                + "\"product_id\":1,\"buy_fee\":33.30,\"create_time\":\"2023-02-15 09:00:00\","
                + "\"update_time\":\"2023-02-15 09:00:00\",\"state\":1},\"op\":\"c\"}"));
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lakeOrders().containsKey(100301L);
        }, () -> "the stream never wrote order 100301: " + lakeOrders());
        // A row the backfill must bring back: removed from the lake behind Weir's back.
        String before = lakeOrders().toString();
        lake.dropPartitions("ods_orders", List.of("20230215"));
        assertTrue(lakeOrders().isEmpty(), "the day was emptied");

        Renderer renderer = new Renderer(conf);
        Ledger ledger = new Ledger(lake);
        BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                .plan(new BackfillRequest("ods_orders", D, D, false, 31, 1, true, true));
        String staged = String.join("\n", plan.layers().get(0).chunks().get(0).rendered().staging().orElseThrow()
                .temporaryObjects());
        assertTrue(staged.contains("'scan.startup.mode' = 'earliest-offset'") && staged.contains("'scan.bounded.mode' = 'latest-offset'")
                && staged.contains("'properties.isolation.level' = 'read_committed'"),
                staged);
        // A producer whose clock runs an hour fast stamps a message (an order of another day, so the
        // day's rows stay MySQL's): a read bounded by a time stops at it, and would miss what follows.
        kafka.produce("order_dw.orders", Instant.now().plus(Duration.ofHours(1)), List.of("{\"before\":null,\"after\":"
                + "{\"order_id\":100300,\"user_id\":\"user_009\",\"shop_id\":12345,\"product_id\":1,\"buy_fee\":1.00,"
                + "\"create_time\":\"2023-03-01 10:00:00\",\"update_time\":\"2023-03-01 10:00:00\",\"state\":1},\"op\":\"c\"}"));
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return !lake.rowsOfPartitions("ods_orders", List.of("20230301")).isEmpty();
        }, () -> "the stream never wrote the fast-stamped order 100300");
        // What an exactly-once producer aborted never happened: a new order and an update of another,
        // in the topic before the next order. Once the stream wrote that one, it has passed them.
        kafka.produceTransaction("order_dw.orders", Instant.now(), List.of(orderMessage(100302, "44.40"),
                "{\"before\":" + orderRow(100001, "2000.00") + ",\"after\":" + orderRow(100001, "1.00") + ",\"op\":\"u\"}"),
                false);
        // A change made after the plan, which the running stream writes before the rebuild begins: the
        // rebuild replaces the day, so it must read that change too. A bound fixed when the plan was
        // rendered lost it.
        SampleSource.execute(mariaDb, "INSERT INTO orders VALUES (100200, 'user_002', 12345, 1, 55.50,"
                + " '2023-02-15 21:00:00', '2023-02-15 21:00:00', 1)");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lakeOrders().containsKey(100200L);
        }, () -> "the stream never wrote order 100200: " + lakeOrders());
        assertFalse(lakeOrders().containsKey(100302L) || lakeOrders().containsKey(100001L),
                "the stream wrote rows of an aborted transaction: " + lakeOrders());
        // The topic now ends with an abort marker, which no reader is handed: the bounded read must still end.
        kafka.produceTransaction("order_dw.orders", Instant.now(), List.of(orderMessage(100304, "66.60")), false);
        BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(mysqlOrders(), lakeOrders());
        assertTrue(lakeOrders().containsKey(100200L) && before.equals(without(lakeOrders(), 100200L).toString()),
                before + " then " + lakeOrders());
    }

    private static String orderRow(long orderId, String fee) {
        return "{\"order_id\":" + orderId + ",\"user_id\":\"user_005\",\"shop_id\":12345,\"product_id\":1,"
                + "\"buy_fee\":" + fee + ",\"create_time\":\"2023-02-15 10:00:00\","
                + "\"update_time\":\"2023-02-15 10:00:00\",\"state\":1}";
    }

    private static String orderMessage(long orderId, String fee) {
        return "{\"before\":null,\"after\":" + orderRow(orderId, fee) + ",\"op\":\"c\"}";
    }

    private static Map<Long, BigDecimal> without(Map<Long, BigDecimal> orders, long orderId) {
        Map<Long, BigDecimal> rest = new TreeMap<>(orders);
        rest.remove(orderId);
        return rest;
    }

    @Test
    @Order(3)
    void aRangeOlderThanTheTopicsRetentionIsRefused() throws Exception {
        String topic = "order_dw.orders_trimmed";
        // Segments roll every minute of record time and are deleted 10 minutes after their newest record.
        kafka.createTopic(topic, 1, Map.of("retention.ms", "600000", "segment.ms", "60000"));
        kafka.produce(topic, Instant.now().minus(Duration.ofHours(1)), List.of("{}", "{}", "{}"));
        kafka.produce(topic, Instant.now(), List.of("{}", "{}"));
        try (Admin admin = kafka.admin()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            Await.until(Duration.ofSeconds(60), () -> earliestOffset(admin, partition) > 0,
                    () -> "retention never deleted the hour-old segment");
        }
        Path templates = dir.resolve("trimmed-templates");
        Files.createDirectories(templates.resolve("kafka"));
        Files.writeString(templates.resolve("kafka/ods_orders.sql"), Files.readString(
                TestConfs.templatesDir().resolve("kafka/ods_orders.sql")).replace("'order_dw.orders'", "'" + topic + "'"));
        Path file = TestConfs.write(dir.resolve("trimmed"), sections(kafka.bootstrapServers()),
                "layers:\n  - name: ods_orders\n    template: kafka/ods_orders.sql\n"
                        + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n");
        Files.writeString(file, Files.readString(file).replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        PipelineConf trimmed = TestConfs.load(file);

        WeirException refused = assertThrows(WeirException.class,
                () -> new Renderer(trimmed).checkBoundedSources(trimmed.layer("ods_orders"), days(trimmed, D)));
        assertEquals(WeirException.BAD_INPUT, refused.exitCode());
        assertTrue(refused.getMessage().startsWith(templates.resolve("kafka/ods_orders.sql") + ": table kafka_orders: topic "
                + topic + " (partition 0) has lost its messages before "), refused.getMessage());
        assertTrue(refused.getMessage().contains("and changes to the range may be stamped from 2023-02-14T00:00:00Z (a day"
                + " before the range, for the source's time zone): a backfill would miss them"), refused.getMessage());
        // A range whose changes (from a day before it) are all kept is read.
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC).plusDays(2);
        new Renderer(trimmed).checkBoundedSources(trimmed.layer("ods_orders"), days(trimmed, today));
    }

    @Test
    @Order(4)
    void aMissingTopicAndUnreachableBrokersAreNamed() throws Exception {
        // A column the messages do not have would be NULL in every row: refused, with the field it meant.
        Path templates = Files.createDirectories(dir.resolve("misnamed").resolve("kafka"));
        for (Path from : List.of(TestConfs.templatesDir(), TestConfs.templatesDir().resolve("kafka"))) {
            try (java.util.stream.Stream<Path> files = Files.list(from)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, (from.endsWith("kafka") ? templates : templates.getParent()).resolve(file.getFileName()));
                }
            }
        }
        Path pays = templates.resolve("ods_orders_pay.sql");
        String good = Files.readString(pays);
        String misnamed = good.replaceFirst("pay_platform INT,", "payPlatform INT,")
                .replace("SELECT pay_id, order_id, pay_platform,", "SELECT pay_id, order_id, payPlatform,");
        assertNotEquals(good, misnamed);
        Files.writeString(pays, misnamed);
        Path misnamedFile = TestConfs.write(dir.resolve("misnamed"), sections(kafka.bootstrapServers()), kafkaLayers());
        Files.writeString(misnamedFile, Files.readString(misnamedFile).replace("templates: " + TestConfs.templatesDir(),
                "templates: " + templates.getParent()));
        PipelineConf misnamedConf = TestConfs.load(misnamedFile);
        WeirException noField = assertThrows(WeirException.class,
                () -> new Renderer(misnamedConf).checkStreamSources(misnamedConf.layer("ods_orders_pay")));
        assertEquals(WeirException.BAD_INPUT, noField.exitCode());
        assertTrue(noField.getMessage().contains("table kafka_orders_pay: column payPlatform in no message of the"), noField.getMessage());
        assertTrue(noField.getMessage().contains("newest of topic order_dw.orders_pay (format canal-json; fields there:"
                + " pay_id, order_id, pay_platform, create_time); did you mean payPlatform -> pay_platform?"), noField.getMessage());
        new Renderer(conf).checkStreamSources(conf.layer("ods_orders_pay"));
        new Renderer(conf).checkStreamSources(conf.layer("ods_orders"));

        PipelineConf missing = conf;
        kafka.admin().deleteTopics(List.of("order_dw.product_catalog")).all().get();
        WeirException noTopic = assertThrows(WeirException.class,
                () -> new Renderer(missing).checkStreamSources(missing.layer("ods_product_catalog")));
        assertEquals(WeirException.BAD_INPUT, noTopic.exitCode());
        assertTrue(noTopic.getMessage().contains("kafka/ods_product_catalog.sql: table kafka_product_catalog: topic"
                + " order_dw.product_catalog does not exist at " + kafka.bootstrapServers() + " (topics there: "),
                noTopic.getMessage());

        int closedPort;
        try (java.net.ServerSocket reserved = new java.net.ServerSocket(0)) {
            closedPort = reserved.getLocalPort();
        }
        PipelineConf nowhere = TestConfs.load(TestConfs.write(dir.resolve("nowhere"), sections("127.0.0.1:" + closedPort),
                kafkaLayers()));
        WeirException unreachable = assertThrows(WeirException.class,
                () -> new Renderer(nowhere).checkStreamSources(nowhere.layer("ods_orders")));
        assertEquals(WeirException.BAD_INPUT, unreachable.exitCode());
        assertTrue(unreachable.getMessage().contains("source kafka: cannot reach the brokers at 127.0.0.1:" + closedPort
                + " within 15 s"), unreachable.getMessage());
    }

    @Test
    @Order(5)
    void aMalformedMessageFailsTheLayerWithTheFormatsReason() throws Exception {
        kafka.produce("order_dw.orders", Instant.now(), List.of("this is not a debezium message"));
        Await.until(TIMEOUT, () -> {
            try {
                stream.checkHealthy();
                return false;
            } catch (WeirException e) {
                assertTrue(e.getMessage().startsWith("layer 'ods_orders' failed: Corrupt Debezium JSON message"
                        + " 'this is not a debezium message'"), e.getMessage());
                assertTrue(e.getMessage().contains("'<format>.ignore-parse-errors' = 'true'"), e.getMessage());
                return true;
            }
        }, () -> "the stream kept running past a malformed message");
    }

    @Test
    @Order(6)
    void anUpsertTopicIsReadByTheStreamAndABackfill() throws Exception {
        kafka.createTopic("rides", 1, Map.of("cleanup.policy", "compact"));
        Instant at = Instant.now();
        kafka.produceKeyed("rides", at, List.of(ride(1, "10.00", "08:00"), ride(2, "20.00", "09:00"), ride(3, "30.00", "10:00"),
                ride(1, "11.00", "08:00"), new java.util.AbstractMap.SimpleEntry<>("{\"ride_id\":2}", null),
                rideOn(4, "2023-02-16 11:00:00")));
        Path templates = dir.resolve("upsert-templates");
        java.nio.file.Files.createDirectories(templates);
        java.nio.file.Files.writeString(templates.resolve("ods_rides.sql"), """
                CREATE TEMPORARY TABLE kafka_rides (
                  ride_id BIGINT NOT NULL,
                  fare DECIMAL(10, 2),
                  event_time TIMESTAMP(3) NOT NULL,
                  PRIMARY KEY (ride_id) NOT ENFORCED,
                  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
                ) WITH ('connector' = 'upsert-kafka', 'topic' = 'rides', 'key.format' = 'json', 'value.format' = 'json');
                CREATE TABLE IF NOT EXISTS ods_rides (
                  ride_id BIGINT NOT NULL, fare DECIMAL(10, 2), event_time TIMESTAMP(3) NOT NULL, ds STRING NOT NULL,
                  PRIMARY KEY (ride_id, ds) NOT ENFORCED
                ) PARTITIONED BY (ds) WITH ('bucket' = '1', 'changelog-producer' = 'input');
                INSERT INTO ods_rides SELECT ride_id, fare, event_time, DATE_FORMAT(event_time, 'yyyyMMdd') FROM kafka_rides
                WHERE DATE_FORMAT(event_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';
                """);
        Path file = TestConfs.write(dir.resolve("upsert"), sections(kafka.bootstrapServers()), "layers:\n  - name: ods_rides\n"
                + "    template: ods_rides.sql\n    partition: { column: ds, format: yyyyMMdd, granularity: day }\n");
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                .replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        PipelineConf upsert = TestConfs.load(file);
        Map<Long, BigDecimal> expected = new TreeMap<>(Map.of(1L, new BigDecimal("11.00"), 3L, new BigDecimal("30.00")));

        RunningStream rides = new StreamRunner(upsert, session).start(upsert.layers(), false);
        try {
            Await.until(TIMEOUT, () -> {
                rides.checkHealthy();
                return expected.equals(rides(D)) && !rides(D.plusDays(1)).isEmpty();
            }, () -> "the stream's rides of the day: " + rides(D));
        } finally {
            rides.cancel();
        }

        lake.dropPartitions("ods_rides", List.of("20230215"));
        Renderer renderer = new Renderer(upsert);
        Ledger ledger = new Ledger(lake);
        BackfillPlan plan = new BackfillPlanner(upsert, renderer, lake, ledger)
                .plan(new BackfillRequest("ods_rides", D, D, false, 31, 1, true, true));
        String staged = String.join("\n", plan.layers().get(0).chunks().get(0).rendered().staging().orElseThrow()
                .temporaryObjects());
        assertTrue(staged.contains("'scan.bounded.mode' = 'latest-offset'") && !staged.contains("scan.startup.mode")
                && staged.contains("'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "'"), staged);
        BackfillResult result = new BackfillRunner(upsert, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(expected, rides(D), "the rebuilt day holds each ride's last value, without the deleted one");
    }

    private static Map.Entry<String, String> ride(long rideId, String fare, String time) {
        return rideOn(rideId, "2023-02-15 " + time + ":00", fare);
    }

    private static Map.Entry<String, String> rideOn(long rideId, String eventTime) {
        return rideOn(rideId, eventTime, "1.00");
    }

    private static Map.Entry<String, String> rideOn(long rideId, String eventTime, String fare) {
        return Map.entry("{\"ride_id\":" + rideId + "}",
                "{\"ride_id\":" + rideId + ",\"fare\":" + fare + ",\"event_time\":\"" + eventTime + "\"}");
    }

    private static Map<Long, BigDecimal> rides(LocalDate day) {
        Map<Long, BigDecimal> rides = new TreeMap<>();
        for (Map<String, Object> row : lake.rowsOfPartitions("ods_rides", List.of(day.format(
                java.time.format.DateTimeFormatter.BASIC_ISO_DATE)))) {
            rides.put((Long) row.get("ride_id"), (BigDecimal) row.get("fare"));
        }
        return rides;
    }

    /**
     * Seed 003's feed: MySQL's binlog through Flink CDC into the topics, each change one message as
     * Debezium and Canal write it (an update carries its old and new row).
     */
    private static JobClient feed() throws Exception {
        Configuration jobConf = new Configuration();
        jobConf.setString("execution.checkpointing.interval", "1s");
        StreamTableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, jobConf);
        String mysql = "'connector' = 'mysql-cdc', 'hostname' = '127.0.0.1', 'port' = '" + mariaDb.port() + "',"
                + " 'username' = 'root', 'password' = '', 'database-name' = '" + SampleSource.DATABASE + "',"
                + " 'server-time-zone' = 'UTC', 'debezium.poll.interval.ms' = '20'";
        String orders = "order_id BIGINT NOT NULL, user_id STRING, shop_id BIGINT, product_id BIGINT,"
                + " buy_fee DECIMAL(20, 2), create_time TIMESTAMP(3) NOT NULL, update_time TIMESTAMP(3), state INT";
        String pays = "pay_id BIGINT NOT NULL, order_id BIGINT, pay_platform INT, create_time TIMESTAMP(3) NOT NULL";
        String catalog = "product_id BIGINT NOT NULL, catalog_name STRING";
        tEnv.executeSql("CREATE TEMPORARY TABLE m_orders (" + orders + ", PRIMARY KEY (order_id) NOT ENFORCED) WITH ("
                + mysql + ", 'table-name' = 'orders', 'server-id' = '5801')");
        tEnv.executeSql("CREATE TEMPORARY TABLE m_pays (" + pays + ", PRIMARY KEY (pay_id) NOT ENFORCED) WITH ("
                + mysql + ", 'table-name' = 'orders_pay', 'server-id' = '5802')");
        tEnv.executeSql("CREATE TEMPORARY TABLE m_catalog (" + catalog + ", PRIMARY KEY (product_id) NOT ENFORCED) WITH ("
                + mysql + ", 'table-name' = 'product_catalog', 'server-id' = '5803')");
        DataStream<String> ordersFeed = changes(tEnv, "m_orders", "orders", ChangelogEnvelopes.Format.DEBEZIUM);
        ordersFeed.sinkTo(kafkaSink("order_dw.orders"));
        changes(tEnv, "m_pays", "orders_pay", ChangelogEnvelopes.Format.CANAL).sinkTo(kafkaSink("order_dw.orders_pay"));
        changes(tEnv, "m_catalog", "product_catalog", ChangelogEnvelopes.Format.DEBEZIUM)
                .sinkTo(kafkaSink("order_dw.product_catalog"));
        return ordersFeed.getExecutionEnvironment().executeAsync("mysql to kafka");
    }

    private static DataStream<String> changes(StreamTableEnvironment tEnv, String cdcTable, String mysqlTable,
            ChangelogEnvelopes.Format format) {
        Table table = tEnv.from(cdcTable);
        return tEnv.toChangelogStream(table)
                .flatMap(new ChangelogEnvelopes(format, SampleSource.DATABASE, mysqlTable,
                        table.getResolvedSchema().getColumnNames()))
                .returns(Types.STRING);
    }

    private static KafkaSink<String> kafkaSink(String topic) {
        return KafkaSink.<String>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                        .setTopic(topic).setValueSerializationSchema(new SimpleStringSchema()).build())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    private static void awaitTotalsEqualMySql() {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lakeTotals().toString().equals(mysqlTotals());
        }, () -> "lake " + lakeTotals() + " mysql " + mysqlTotals());
    }

    private static List<io.weir.runner.conf.Partition> days(PipelineConf pipeline, LocalDate day) {
        return pipeline.layer("ods_orders").partition().orElseThrow()
                .partitions(io.weir.runner.conf.PartitionRange.ofDays(day, day));
    }

    private static long earliestOffset(Admin admin, TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).all().get().get(partition).offset();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, Map<String, BigDecimal>> lakeTotals() {
        Map<String, Map<String, BigDecimal>> totals = new TreeMap<>();
        for (Map<String, Object> row : lake.rows("dws_users")) {
            totals.computeIfAbsent((String) row.get("ds"), d -> new TreeMap<>())
                    .put((String) row.get("user_id"), (BigDecimal) row.get("paied_buy_fee_sum"));
        }
        return totals;
    }

    private static String mysqlTotals() {
        try {
            return SampleSource.userTotalsByPayDay(mariaDb).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static Map<Long, BigDecimal> lakeOrders() {
        Map<Long, BigDecimal> orders = new TreeMap<>();
        for (Map<String, Object> row : lake.rowsOfPartitions("ods_orders", List.of("20230215"))) {
            orders.put((Long) row.get("order_id"), (BigDecimal) row.get("buy_fee"));
        }
        return orders;
    }

    private static Map<Long, BigDecimal> mysqlOrders() throws Exception {
        Map<Long, BigDecimal> orders = new TreeMap<>();
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT order_id, buy_fee FROM orders WHERE DATE(create_time) = '2023-02-15'")) {
            while (rs.next()) {
                orders.put(rs.getLong(1), rs.getBigDecimal(2));
            }
        }
        return orders;
    }
}
