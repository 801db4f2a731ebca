package io.weir.runner.template;

import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RendererTest {

    @TempDir static Path dir;
    static PipelineConf conf;
    static Renderer renderer;

    @BeforeAll
    static void load() {
        conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, 3306, "order_dw")));
        renderer = new Renderer(conf);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders", "dws_users", "dws_shops"})
    void streamModeIsInsertIntoOverTheWholeRange(String layerName) {
        RenderedLayer rendered = renderer.stream(conf.layer(layerName));
        String script = rendered.script();
        assertFalse(script.contains("${"), script);
        assertFalse(script.contains("OVERWRITE"), script);
        assertTrue(rendered.inserts().stream().allMatch(s -> s.startsWith("INSERT INTO")), script);
        if (conf.layer(layerName).partitioned()) {
            assertTrue(script.contains("'20230101'"), "range starts at pipeline.start-date:\n" + script);
            assertTrue(script.contains("'99991230'"), "stream mode has no end:\n" + script);
        }
        FlinkSql.parseStatements(String.join(";\n", rendered.setupStatements()) + ";\n"
                + String.join(";\n", rendered.inserts()), Path.of("rendered.sql"));
    }

    @Test
    void batchModeOverwritesARangeWithOneQuery() {
        RenderedLayer rendered = renderer.batch(conf.layer("dws_users"), LocalDate.of(2023, 2, 14), LocalDate.of(2023, 2, 16));
        assertEquals(1, rendered.inserts().size(), "one scan of the range, not one per partition");
        assertEquals(3, rendered.partitions().size());
        assertEquals("20230214", rendered.partitions().get(0).value());
        String insert = rendered.inserts().get(0);
        assertTrue(insert.startsWith("INSERT OVERWRITE dws_users\n"), insert);
        assertTrue(insert.contains("END >= '20230214'") && insert.contains("END <= '20230216'"),
                "never outside the range:\n" + insert);
        assertTrue(insert.contains("which is not a partition value of format yyyyMMdd"), "nor with a value of no partition:\n" + insert);
        assertTrue(insert.contains("BETWEEN ASYMMETRIC '20230214' AND '20230216'"), insert);
        assertTrue(rendered.script().contains("partitions of the range this produced no rows for are dropped"));
    }

    @Test
    void singlePartitionIsOneStaticOverwrite() {
        RenderedLayer rendered = renderer.batch(conf.layer("dws_shops"), LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 15));
        assertEquals(1, rendered.inserts().size());
        assertTrue(rendered.inserts().get(0).startsWith("INSERT OVERWRITE dws_shops"
                + " /*+ OPTIONS('dynamic-partition-overwrite' = 'false') */ PARTITION (ds = '20230215')"), rendered.inserts().get(0));
        assertFalse(rendered.script().contains("EXECUTE STATEMENT SET"));
    }

    @Test
    void partialUpdateInputsBecomeOneOverwrite() {
        RenderedLayer rendered = renderer.batch(conf.layer("dwd_orders"), LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 15));
        String insert = rendered.inserts().get(0);
        assertEquals(1, rendered.inserts().size());
        assertTrue(insert.contains("UNION ALL"), insert);
        assertTrue(insert.contains("CAST(NULL AS BIGINT) AS pay_id"), insert);
        assertFalse(insert.contains("LOOKUP"), "batch planner rejects LOOKUP hints:\n" + insert);
        RenderedLayer stream = renderer.stream(conf.layer("dwd_orders"));
        assertEquals(1, stream.inserts().size(), "one writer per table in stream mode too");
        assertTrue(stream.inserts().get(0).startsWith("INSERT INTO dwd_orders"), stream.inserts().get(0));
        assertTrue(stream.inserts().get(0).contains("UNION ALL"), stream.inserts().get(0));
        assertTrue(stream.inserts().get(0).contains("LOOKUP('table' = 'o'"), "the stream keeps its lookup retries");
    }

    @Test
    void cdcTablesGetTheSourceConnectionAndTheSecretIsMasked() {
        RenderedLayer stream = renderer.stream(conf.layer("ods_orders"));
        String source = stream.temporaryObjects().get(0);
        assertTrue(source.contains("'hostname' = '127.0.0.1'"), source);
        assertTrue(source.contains("'password' = 's3cr3t-pw'"), "the job gets the real password");
        assertTrue(source.contains("'debezium.poll.interval.ms' = '20'"), source);
        assertFalse(source.contains("scan.startup.mode"), source);
        String shown = conf.secrets().mask(stream.script());
        assertFalse(shown.contains("s3cr3t-pw"), shown);
        assertTrue(shown.contains("'password' = '******'"), shown);

        RenderedLayer batch = renderer.batch(conf.layer("ods_orders"), LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 15));
        Staging staging = batch.staging().orElseThrow();
        assertTrue(staging.temporaryObjects().get(0).contains("'scan.startup.mode' = 'snapshot'"));
        assertFalse(staging.temporaryObjects().get(0).contains("'server-id' = '5400-5400'"),
                "a backfill never takes the stream's binlog server id");
        assertTrue(staging.insert().startsWith("INSERT INTO weir_lake.weir.stg_ods_orders_20230215_20230215"),
                staging.insert());
        assertTrue(batch.inserts().get(0).replace("`", "").contains("FROM weir_lake.weir.stg_ods_orders_20230215_20230215"),
                "the overwrite reads the staged snapshot:\n" + batch.inserts().get(0));
        assertTrue(batch.script().contains("-- step 1: streaming job"), batch.script());
    }

    @Test
    void stagingLivesInTheLedgerDatabaseAndParsesWhateverThePartitionFormat() {
        Path other = dir.resolve("ledger-database");
        String layers = TestConfs.exampleLayers().replaceFirst("format: yyyyMMdd", "format: yyyy-MM-dd");
        PipelineConf dashed = TestConfs.load(TestConfs.write(other, TestConfs.standardSections(other, 3306, "order_dw")
                .replaceFirst("\n  database: order_dw\n", "\n  database: order_dw\n  ledger-database: dw_ledger\n"),
                layers));
        RenderedLayer batch = new Renderer(dashed).batch(dashed.layer("ods_orders"), LocalDate.of(2023, 2, 15),
                LocalDate.of(2023, 2, 15));
        Staging staging = batch.staging().orElseThrow();
        assertEquals("weir_lake.`dw_ledger`.`stg_ods_orders_20230215_20230215`", staging.table());
        List<String> statements = new java.util.ArrayList<>(staging.createStatements());
        statements.add(staging.insert());
        statements.add(staging.dropTable());
        statements.addAll(batch.inserts());
        for (String sql : statements) {
            try {
                FlinkSql.parseStatements(sql, dashed.layer("ods_orders").template());
            } catch (TemplateException e) {
                throw new AssertionError(e.getMessage() + " in\n" + sql, e);
            }
        }
        assertTrue(staging.createStatements().get(0).endsWith("weir_lake.`dw_ledger`"), staging.createStatements().get(0));
        assertTrue(batch.inserts().get(0).replace("`", "").contains("FROM weir_lake.dw_ledger.stg_ods_orders_20230215_20230215"),
                batch.inserts().get(0));
    }

    @Test
    void tableHintsOfTemplatesSurviveRendering() {
        String sql = "INSERT INTO t /*+ OPTIONS('sink.parallelism' = '2') */ SELECT a FROM s /*+ OPTIONS('scan.mode' = 'latest') */";
        String printed = FlinkSql.unparse(FlinkSql.parseStatements(sql, Path.of("x.sql")).get(0));
        assertTrue(printed.contains("t /*+ OPTIONS('sink.parallelism' = '2') */"), printed);
        assertTrue(printed.contains("s /*+ OPTIONS('scan.mode' = 'latest') */"), printed);
        assertEquals(printed, FlinkSql.unparse(FlinkSql.parseStatements(printed, Path.of("x.sql")).get(0)), "re-parses");
    }

    /** Flink's planner accepts every batch form against real Paimon tables: it is SQL that runs. */
    @ParameterizedTest
    @ValueSource(strings = {"dwd_orders", "dws_users", "dws_shops"})
    void plannerAcceptsTheBatchForm(String layerName) {
        for (LocalDate from : new LocalDate[] {LocalDate.of(2023, 2, 14), LocalDate.of(2023, 2, 15)}) {
            TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
            renderer.catalogStatements().forEach(tEnv::executeSql);
            conf.layers().forEach(layer -> tEnv.executeSql(renderer.stream(layer).targetDdl()));
            RenderedLayer rendered = renderer.batch(conf.layer(layerName), from, LocalDate.of(2023, 2, 15));
            rendered.temporaryObjects().forEach(tEnv::executeSql);
            StatementSet set = tEnv.createStatementSet();
            rendered.inserts().forEach(set::addInsertSql);
            String plan = set.explain();
            assertTrue(plan.contains("Sink"), plan);
            assertFalse(plan.contains("Values(tuples=[[]]"),
                    "the optimizer must not prove a partition's query empty:\n" + plan);
        }
    }

    /**
     * Flink's streaming planner accepts the fenced stream form of every partitioned layer against
     * real Paimon tables, and the statefulness rule tells aggregating layers from stateless copies.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ods_orders", "dwd_orders", "dws_users", "dws_shops"})
    void plannerAcceptsTheFencedStreamForm(String layerName) throws Exception {
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        renderer.catalogStatements().forEach(tEnv::executeSql);
        conf.layers().forEach(layer -> tEnv.executeSql(renderer.stream(layer).targetDdl()));
        try (io.weir.runner.lake.Lake lake = new io.weir.runner.lake.Lake(conf.warehouse())) {
            new io.weir.runner.lake.Seals(lake).open();
        }
        io.weir.runner.conf.LayerConf layer = conf.layer(layerName);
        RenderedLayer plain = renderer.stream(layer);
        plain.temporaryObjects().forEach(tEnv::executeSql);
        boolean stateful = io.weir.runner.session.StatefulPlan.isStateful(tEnv, plain.inserts());
        // dwd_orders has no state but looks orders and the catalog up: its rows can go stale too.
        assertEquals(!layerName.startsWith("ods"), stateful, "stateful " + layerName);

        RenderedLayer fenced = renderer.stream(layer, true);
        String insert = fenced.inserts().get(0);
        assertTrue(insert.contains("FOR SYSTEM_TIME AS OF weir_f.weir_pt"), insert);
        assertTrue(insert.contains("'order_dw." + layer.table() + "'"), insert);
        String plan = tEnv.explainSql(insert);
        assertTrue(plan.contains("LookupJoin(table=[weir_lake.weir.seals]"), plan);
    }

    /** weir verify writes the batch form into a scratch table: only the target changes, hints and partition kept. */
    @Test
    void retargetedBatchFormWritesAnotherTable() {
        for (LocalDate from : new LocalDate[] {LocalDate.of(2023, 2, 14), LocalDate.of(2023, 2, 15)}) {
            RenderedLayer rendered = renderer.batch(conf.layer("dws_users"), from, LocalDate.of(2023, 2, 15));
            RenderedLayer moved = rendered.retargeted(java.util.List.of("weir_lake", "weir", "verify_x"));
            String insert = moved.inserts().get(0);
            assertTrue(insert.startsWith("INSERT OVERWRITE weir_lake.weir.verify_x"), insert);
            assertEquals(rendered.inserts().get(0).substring(rendered.inserts().get(0).indexOf(" ", 17)),
                    insert.substring(insert.indexOf(" ", 17)), "everything after the target is unchanged");
        }
    }

    /** A password with quotes, backslashes, '$', non-ASCII and a newline is masked however SQL prints it. */
    @Test
    void secretsAreMaskedByOptionKeyInEveryPrintedForm() {
        String password = "PRBq'x\\$y\"\u00fcz\nZQXW";
        PipelineConf tricky = new io.weir.runner.conf.PipelineConfLoader(io.weir.runner.conf.PipelineConfLoader
                .environmentWith(java.util.Map.of("WEIR_TEST_MYSQL_PASSWORD", password)))
                .load(TestConfs.write(dir.resolve("tricky"), TestConfs.standardSections(dir, 3306, "order_dw")));
        Renderer trickyRenderer = new Renderer(tricky);
        for (RenderedLayer rendered : java.util.List.of(trickyRenderer.stream(tricky.layer("ods_orders")),
                trickyRenderer.batch(tricky.layer("ods_orders"), LocalDate.of(2023, 2, 14), LocalDate.of(2023, 2, 15)))) {
            String script = rendered.script();
            assertTrue(script.contains("'password' = '******'"), script);
            for (String leak : new String[] {"PRBq", "00fc", "\u00fc", "ZQXW"}) {
                assertFalse(script.contains(leak), leak + " leaked:\n" + script);
            }
            // What runs still has the real password.
            assertTrue(String.join("\n", rendered.setupStatements()).contains("PRBq")
                    || rendered.staging().map(st -> String.join("\n", st.temporaryObjects())).orElse("").contains("PRBq"));
        }
    }

    @Test
    void eachSourceTableIsCompletedByTheSourceThatReadsItsConnector() throws Exception {
        // The orders come from Kafka, payments and the catalog from MySQL: two sources in one pipeline.
        String layers = TestConfs.exampleLayers().replace("template: ods_orders.sql", "template: kafka/ods_orders.sql");
        PipelineConf mixed = TestConfs.load(TestConfs.write(dir.resolve("mixed"), TestConfs.standardSections(dir, 3306, "order_dw")
                + "sources:\n  events:\n    type: kafka\n    bootstrap-servers: kafka.internal:9092\n", layers));
        assertEquals(java.util.List.of("source", "events"), mixed.sources().stream().map(s -> s.name()).toList());
        Renderer mixedRenderer = new Renderer(mixed);
        String orders = String.join("\n", mixedRenderer.stream(mixed.layer("ods_orders")).temporaryObjects());
        assertTrue(orders.contains("'properties.bootstrap.servers' = 'kafka.internal:9092'")
                && orders.contains("'properties.isolation.level' = 'read_committed'"), orders);
        assertFalse(orders.contains("'hostname'"), orders);
        String pays = String.join("\n", mixedRenderer.stream(mixed.layer("ods_orders_pay")).temporaryObjects());
        assertTrue(pays.contains("'hostname' = '127.0.0.1'") && !pays.contains("bootstrap"), pays);

        // Two MySQL sources: a table must say which one it reads.
        PipelineConf twoDatabases = TestConfs.load(TestConfs.write(dir.resolve("two"), TestConfs.standardSections(dir, 3306,
                "order_dw") + "sources:\n  archive:\n    hostname: archive.internal\n    database: order_archive\n"));
        io.weir.runner.WeirException ambiguous = org.junit.jupiter.api.Assertions.assertThrows(
                io.weir.runner.WeirException.class, () -> new Renderer(twoDatabases).stream(twoDatabases.layer("ods_orders")));
        assertTrue(ambiguous.getMessage().endsWith("ods_orders.sql: table mysql_orders uses 'mysql-cdc', which sources"
                + " source, archive all read: name one with 'weir.source' = '<name>' in the table's WITH"),
                ambiguous.getMessage());
        java.nio.file.Path templates = dir.resolve("two-templates");
        java.nio.file.Files.createDirectories(templates);
        for (String layer : java.util.List.of("ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders",
                "dws_users", "dws_shops")) {
            String sql = java.nio.file.Files.readString(TestConfs.templatesDir().resolve(layer + ".sql"));
            java.nio.file.Files.writeString(templates.resolve(layer + ".sql"), layer.equals("ods_orders")
                    ? sql.replace("'table-name' = 'orders'", "'table-name' = 'orders', 'weir.source' = 'archive'") : sql);
        }
        java.nio.file.Path file = dir.resolve("two/pipeline.yaml");
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                .replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        PipelineConf chosen = TestConfs.load(file);
        String archive = String.join("\n", new Renderer(chosen).stream(chosen.layer("ods_orders")).temporaryObjects());
        assertTrue(archive.contains("'hostname' = 'archive.internal'") && archive.contains("'database-name' = 'order_archive'")
                && !archive.contains("weir.source"), archive);
    }

    @Test
    void theConfsKafkaOptionsReachTheStreamAndTheBackfillAndOnlyTheTablesThatTakeThem() throws Exception {
        java.nio.file.Path templates = dir.resolve("conf-options-templates");
        java.nio.file.Files.createDirectories(templates.resolve("kafka"));
        java.nio.file.Files.copy(TestConfs.templatesDir().resolve("kafka/ods_orders.sql"), templates.resolve("kafka/ods_orders.sql"));
        java.nio.file.Files.writeString(templates.resolve("ods_rides.sql"), "CREATE TEMPORARY TABLE rides (id BIGINT NOT NULL,"
                + " ts TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'rides',"
                + " 'key.format' = 'json', 'value.format' = 'json');\n"
                + "CREATE TABLE IF NOT EXISTS ods_rides (id BIGINT NOT NULL, ts TIMESTAMP(3), ds STRING NOT NULL,"
                + " PRIMARY KEY (id, ds) NOT ENFORCED) PARTITIONED BY (ds);\n"
                + "INSERT INTO ods_rides SELECT id, ts, DATE_FORMAT(ts, 'yyyyMMdd') FROM rides"
                + " WHERE DATE_FORMAT(ts, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';\n");
        String partition = "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n";
        java.nio.file.Path file = TestConfs.write(dir.resolve("conf-options"), TestConfs.standardSections(dir, 3306, "order_dw")
                .replaceFirst("source:\\n(  .*\\n)+", "source:\n  type: kafka\n  bootstrap-servers: kafka.internal:9092\n"
                        + "  options:\n    properties.isolation.level: read_uncommitted\n    scan.startup.mode: latest-offset\n"),
                "layers:\n  - name: ods_orders\n    template: kafka/ods_orders.sql\n" + partition
                        + "  - name: ods_rides\n    template: ods_rides.sql\n" + partition);
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                .replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        PipelineConf conf = TestConfs.load(file);
        Renderer renderer = new Renderer(conf);
        java.time.LocalDate day = java.time.LocalDate.of(2023, 2, 15);
        String stream = String.join("\n", renderer.stream(conf.layer("ods_orders")).temporaryObjects());
        String staged = String.join("\n", renderer.batch(conf.layer("ods_orders"), day, day).staging().orElseThrow()
                .temporaryObjects());
        for (String orders : java.util.List.of(stream, staged)) {
            assertTrue(orders.contains("'properties.isolation.level' = 'read_uncommitted'") && !orders.contains("read_committed"),
                    "the stream and its backfill read as the conf says: " + orders);
        }
        assertTrue(stream.contains("'scan.startup.mode' = 'latest-offset'") && staged.contains("'scan.startup.mode' = 'earliest-offset'"),
                stream + staged);
        String rides = String.join("\n", renderer.stream(conf.layer("ods_rides")).temporaryObjects());
        String stagedRides = String.join("\n", renderer.batch(conf.layer("ods_rides"), day, day).staging().orElseThrow()
                .temporaryObjects());
        for (String upsert : java.util.List.of(rides, stagedRides)) {
            assertTrue(upsert.contains("'properties.bootstrap.servers' = 'kafka.internal:9092'") && !upsert.contains("scan.startup"),
                    "upsert-kafka takes no start: " + upsert);
        }
        assertTrue(stagedRides.contains("'scan.bounded.mode' = 'latest-offset'"), stagedRides);
    }

    @Test
    void aBackfillReadsWhereTheSourceKindSaysAndSelfContainedTablesAreLeftAlone() throws Exception {
        java.nio.file.Path templates = dir.resolve("kafka-templates");
        java.nio.file.Files.createDirectories(templates.resolve("kafka"));
        // The template's own start would make a backfill read almost nothing.
        java.nio.file.Files.writeString(templates.resolve("kafka/ods_orders.sql"), java.nio.file.Files.readString(
                TestConfs.templatesDir().resolve("kafka/ods_orders.sql"))
                .replace("'format' = 'debezium-json'", "'format' = 'debezium-json', 'scan.startup.mode' = 'latest-offset',"
                        + " 'properties.isolation.level' = 'read_uncommitted'"));
        // A Kafka table that names its own brokers is the template's business, in a MySQL-fed pipeline too.
        java.nio.file.Files.writeString(templates.resolve("ods_events.sql"), "CREATE TEMPORARY TABLE events ("
                + " id BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = 'events',"
                + " 'properties.bootstrap.servers' = 'elsewhere:9092', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
                + "CREATE TABLE IF NOT EXISTS ods_events (id BIGINT, ts TIMESTAMP(3));\n"
                + "INSERT INTO ods_events SELECT id, ts FROM events;\n");
        String layers = "layers:\n  - name: ods_orders\n    template: kafka/ods_orders.sql\n"
                + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n"
                + "  - name: ods_events\n    template: ods_events.sql\n";
        java.nio.file.Path file = TestConfs.write(dir.resolve("bounded"), TestConfs.standardSections(dir, 3306, "order_dw")
                + "sources:\n  events:\n    type: kafka\n    bootstrap-servers: kafka.internal:9092\n", layers);
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                .replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        PipelineConf bounded = TestConfs.load(file);
        Renderer kafkaRenderer = new Renderer(bounded);
        String staged = String.join("\n", kafkaRenderer.batch(bounded.layer("ods_orders"),
                java.time.LocalDate.of(2023, 2, 15), java.time.LocalDate.of(2023, 2, 15)).staging().orElseThrow()
                .temporaryObjects());
        // From the first message, whatever the range: a row's only message can be older than its partition.
        assertTrue(staged.contains("'scan.startup.mode' = 'earliest-offset'")
                && !staged.contains("'scan.startup.mode' = 'latest-offset'") && !staged.contains("timestamp-millis")
                && staged.contains("'scan.bounded.mode' = 'latest-offset'")
                && staged.contains("'properties.isolation.level' = 'read_uncommitted'") && !staged.contains("read_committed"),
                "a backfill reads as the template's stream does, aborted transactions included when it says so: " + staged);
        String stream = String.join("\n", kafkaRenderer.stream(bounded.layer("ods_orders")).temporaryObjects());
        assertTrue(stream.contains("'scan.startup.mode' = 'latest-offset'") && !stream.contains("earliest-offset"),
                "a stream keeps the template's own start: " + stream);
        java.nio.file.Files.writeString(templates.resolve("kafka/ods_orders.sql"), java.nio.file.Files.readString(
                templates.resolve("kafka/ods_orders.sql")).replace("'read_uncommitted'", "'read-committed'"));
        io.weir.runner.WeirException misspelt = org.junit.jupiter.api.Assertions.assertThrows(io.weir.runner.WeirException.class,
                () -> new Renderer(bounded).checkStreamSources(bounded.layer("ods_orders")));
        assertTrue(misspelt.getMessage().endsWith("kafka/ods_orders.sql: table kafka_orders: 'properties.isolation.level'"
                + " = 'read-committed'; expected read_committed or read_uncommitted"), misspelt.getMessage());
        String events = String.join("\n", kafkaRenderer.stream(bounded.layer("ods_events")).temporaryObjects());
        assertTrue(events.contains("'elsewhere:9092'") && !events.contains("kafka.internal") && !events.contains("group.id"),
                events);
    }
}
