package io.weir.runner.conf;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineConfLoaderTest {

    @TempDir Path dir;

    private String sections() {
        return TestConfs.standardSections(dir, 3306, "order_dw");
    }

    private WeirException rejected(String sections, String layers) {
        Path file = TestConfs.write(dir, sections, layers);
        WeirException e = assertThrows(WeirException.class, () -> TestConfs.load(file));
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void loadsTheExampleWarehouseInDependencyOrder() {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, sections()));
        assertEquals("test", conf.name());
        assertEquals(LocalDate.of(2023, 1, 1), conf.startDate());
        assertEquals(Duration.ofSeconds(1), conf.flink().checkpointInterval());
        assertEquals("s3cr3t-pw", conf.source().orElseThrow().password());
        assertEquals(Map.of("debezium.poll.interval.ms", "20"), conf.source().orElseThrow().options());
        assertEquals(6, conf.layers().size());
        LayerConf dws = conf.layer("dws_users");
        assertEquals("ds", dws.partition().orElseThrow().column());
        assertEquals(Granularity.DAY, dws.partition().orElseThrow().granularity());
        assertTrue(conf.layers().indexOf(conf.layer("dwd_orders")) > conf.layers().indexOf(conf.layer("ods_orders_pay")));
        assertFalse(conf.layer("ods_product_catalog").partitioned());
        assertEquals(3, conf.downstreamOf(conf.layer("ods_orders")).size());
    }

    @Test
    void aHiveConfDirNamesAHighlyAvailableMetastoreWithoutAUri() throws Exception {
        Path hive = Files.createDirectories(dir.resolve("hive-conf"));
        Files.writeString(hive.resolve("hive-site.xml"), "<?xml version=\"1.0\"?>\n<configuration>\n"
                + "  <property><name>hive.metastore.uris</name><value>thrift://hms-a:9083,thrift://hms-b:9083</value></property>\n"
                + "</configuration>\n");
        String hiveSections = sections().replace("warehouse:\n",
                "warehouse:\n  metastore:\n    type: hive\n    hive-conf-dir: hive-conf\n");
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, hiveSections));
        assertEquals(hive.toString(), conf.warehouse().options().get("hive-conf-dir"));
        assertFalse(conf.warehouse().options().containsKey("uri"), "Paimon reads the uris from hive-site.xml");

        Files.writeString(hive.resolve("hive-site.xml"), "<configuration>\n  <property><name>hive.metastore.warehouse.dir"
                + "</name><value>/user/hive</value></property>\n</configuration>\n");
        assertTrue(rejected(hiveSections, TestConfs.exampleLayers()).getMessage().contains("warehouse.metastore.hive-conf-dir: "
                + hive.resolve("hive-site.xml") + " sets no hive.metastore.uris; set it there or in warehouse.metastore.uri"));

        Files.writeString(hive.resolve("hive-site.xml"), "<configuration><property><name>hive.metastore.uris</name>"
                + "<value>http://hms-a:9083</value></property></configuration>");
        assertTrue(rejected(hiveSections, TestConfs.exampleLayers()).getMessage().contains("warehouse.metastore.hive-conf-dir:"
                + " expected thrift://host:port, got 'http://hms-a:9083' as hive.metastore.uris in " + hive.resolve("hive-site.xml")));

        Files.writeString(hive.resolve("hive-site.xml"), "<configuration><property>");
        assertTrue(rejected(hiveSections, TestConfs.exampleLayers()).getMessage().contains("warehouse.metastore.hive-conf-dir: "
                + hive.resolve("hive-site.xml") + " is not a Hadoop configuration file"));

        Files.delete(hive.resolve("hive-site.xml"));
        assertTrue(rejected(hiveSections, TestConfs.exampleLayers()).getMessage().contains(
                "warehouse.metastore.hive-conf-dir: no hive-site.xml in " + hive));
        assertTrue(rejected(sections().replace("warehouse:\n", "warehouse:\n  metastore:\n    hive-conf-dir: hive-conf\n"),
                TestConfs.exampleLayers()).getMessage().contains(
                "warehouse.metastore.hive-conf-dir: only a metastore of type hive reads a hive-site.xml"));
    }

    @Test
    void metastoreUrisMayNameIpv6HostsInBrackets() {
        String hive = sections().replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: "
                + "'thrift://[::1]:9083, thrift://hms-b:9083'\n");
        assertEquals("thrift://[::1]:9083, thrift://hms-b:9083",
                TestConfs.load(TestConfs.write(dir, hive)).warehouse().options().get("uri"));
        for (String bad : new String[] {"thrift://::1:9083", "thrift://hms:9083/db", "thrift://hms", "thrift://hms:9083,"}) {
            String sections = sections().replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: '"
                    + bad + "'\n");
            assertTrue(rejected(sections, TestConfs.exampleLayers()).getMessage().contains(
                    "warehouse.metastore.uri: expected thrift://host:port, got '" + bad + "'"), bad);
        }
    }

    @Test
    void relativePathsResolveAgainstTheConfFile() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("lib"));
        java.nio.file.Files.write(dir.resolve("lib/connector.jar"), new byte[] {0x50, 0x4b});
        String sections = sections().replace(dir.resolve("warehouse").toUri().toString(), "lake/wh")
                .replace("  parallelism: 1", "  parallelism: 1\n  jars: [lib/connector.jar, 'hdfs://nn:8020/jars/paimon.jar']");
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, sections));
        assertEquals(dir.resolve("lake/wh").toUri().toString(), conf.warehouse().uri());
        assertEquals(java.util.List.of(dir.resolve("lib/connector.jar").toUri().toString(), "hdfs://nn:8020/jars/paimon.jar"),
                conf.flink().jars());
    }

    @Test
    void unknownKeyIsNamed() {
        WeirException e = rejected(sections().replace("  parallelism: 1", "  paralelism: 1"), TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("flink.paralelism: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("flink.parallelism"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void servingKindsAreChosenByTypeAndEachReadsOnlyItsOwnKeys() {
        PipelineConf jdbc = TestConfs.load(TestConfs.write(dir, sections() + "serving:\n  type: jdbc\n"
                + "  url: jdbc:mysql://tidb.internal:4000/serving?useSSL=false\n  username: weir\n"
                + "  password: ${env:WEIR_TEST_MYSQL_PASSWORD}\n  tables: [dws_users]\n"
                + "  options:\n    sink.buffer-flush.max-rows: '500'\n"));
        ServingConf serving = jdbc.serving().orElseThrow();
        assertEquals("jdbc", serving.kind().type());
        assertEquals("serving table serving.dws_users at tidb.internal:4000", serving.describe("dws_users"));
        Map<String, String> sink = serving.kind().sinkOptions(serving, "dws_users");
        assertEquals("jdbc", sink.get("connector"));
        assertEquals("dws_users", sink.get("table-name"));
        assertEquals(Map.of("sink.buffer-flush.max-rows", "500"), serving.options());

        WeirException unknown = rejected(sections() + "serving:\n  type: holo\n  tables: [dws_users]\n",
                TestConfs.exampleLayers());
        assertTrue(unknown.getMessage().contains("serving.type: unknown type 'holo' (known: embedded, hologres, jdbc)"),
                unknown.getMessage());

        WeirException noPassword = rejected(sections() + "serving:\n  type: hologres\n  endpoint: holo.internal:80\n"
                + "  database: weir\n  username: weir\n  password: ''\n  tables: [dws_users]\n", TestConfs.exampleLayers());
        assertTrue(noPassword.getMessage().contains("serving.password: required for type 'hologres': the Hologres connector"
                + " refuses an empty password"), noPassword.getMessage());

        WeirException foreign = rejected(sections() + "serving:\n  type: jdbc\n  url: jdbc:mysql://db:3306/serving\n"
                + "  endpoint: db:3306\n  tables: [dws_users]\n", TestConfs.exampleLayers());
        assertTrue(foreign.getMessage().contains("serving.endpoint: not a key of serving type 'jdbc' (its keys: password,"
                + " url, username, tables, options.*)"), foreign.getMessage());

        WeirException badUrl = rejected(sections() + "serving:\n  type: jdbc\n"
                + "  url: jdbc:postgresql://db:5432/serving?password=hunter2\n  tables: [dws_users]\n",
                TestConfs.exampleLayers());
        assertTrue(badUrl.getMessage().contains("serving.url: type 'jdbc' expected jdbc:mysql://host:port/database, got"
                + " 'jdbc:postgresql://db:5432/serving?…'"), badUrl.getMessage());
        assertFalse(badUrl.getMessage().contains("hunter2"), "a URL's query may hold credentials: " + badUrl.getMessage());

        WeirException noDatabase = rejected(sections() + "serving:\n  type: jdbc\n  url: jdbc:mysql://db:3306\n"
                + "  tables: [dws_users]\n", TestConfs.exampleLayers());
        assertTrue(noDatabase.getMessage().contains("serving.url: type 'jdbc' expected jdbc:mysql://host:port/database"),
                noDatabase.getMessage());
    }

    @Test
    void sourceKindsAreChosenByTypeAndEachReadsOnlyItsOwnKeys() {
        SourceConf mysql = TestConfs.load(TestConfs.write(dir, sections())).source().orElseThrow();
        assertEquals(java.util.Set.of("mysql-cdc"), mysql.kind().connectors());
        assertEquals("mysql:order_dw", mysql.kind().upstreamRecord(mysql));
        assertEquals("source 127.0.0.1:3306/order_dw", mysql.kind().label(mysql));

        assertEquals("mysql", TestConfs.load(TestConfs.write(dir, sections().replace("source:\n", "source:\n  type: MySQL\n")))
                .source().orElseThrow().kind().type(), "a type is read whatever its case");

        WeirException unknown = rejected(sections().replace("source:\n", "source:\n  type: postgres-cdc\n"),
                TestConfs.exampleLayers());
        assertTrue(unknown.getMessage().contains("source.type: unknown type 'postgres-cdc' (known: embedded, kafka, mysql)"),
                unknown.getMessage());

        WeirException foreign = rejected(sections().replace("source:\n", "source:\n  embedded:\n    port: 3307\n"),
                TestConfs.exampleLayers());
        assertTrue(foreign.getMessage().contains("source.embedded.port: not a key of source type 'mysql'"),
                foreign.getMessage());

        WeirException namedForeign = rejected(sections() + "sources:\n  events:\n    type: kafka\n"
                + "    bootstrap-servers: k:9092\n    hostname: mysql.internal\n  Bad-Name:\n    type: kafka\n",
                TestConfs.exampleLayers());
        assertTrue(namedForeign.getMessage().contains("sources.events.hostname: not a key of source type 'kafka'"),
                namedForeign.getMessage());
        assertTrue(namedForeign.getMessage().contains("sources.Bad-Name: 'Bad-Name' cannot name a source"),
                namedForeign.getMessage());

        WeirException zone = rejected(sections().replace("source:\n", "source:\n  server-time-zone: Mars/Olympus\n"),
                TestConfs.exampleLayers());
        assertTrue(zone.getMessage().contains("source.server-time-zone: expected a time zone such as UTC or"
                + " Asia/Shanghai, got 'Mars/Olympus'"), zone.getMessage());
    }

    @Test
    void unknownLayerKeyIsNamedWithItsIndex() {
        WeirException e = rejected(sections(), TestConfs.exampleLayers().replace("    template: dws_users.sql", "    templat: dws_users.sql"));
        assertTrue(e.getMessage().contains("layers[4].templat: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("layers[4].template: required"), e.getMessage());
    }

    @Test
    void missingTemplateFileIsNamed() {
        WeirException e = rejected(sections(), TestConfs.exampleLayers().replace("template: dws_shops.sql", "template: dws_shop.sql"));
        assertTrue(e.getMessage().contains("layers[5].template: template file not found"), e.getMessage());
        assertTrue(e.getMessage().contains("dws_shop.sql"), e.getMessage());
    }

    @Test
    void dependencyCycleIsShownAsAPath() {
        String layers = TestConfs.exampleLayers().replace(
                "upstream: [ods_orders, ods_orders_pay, ods_product_catalog]",
                "upstream: [ods_orders, ods_orders_pay, ods_product_catalog, dws_users]");
        WeirException e = rejected(sections(), layers);
        assertTrue(e.getMessage().contains("layers: dependency cycle: dwd_orders -> dws_users -> dwd_orders"), e.getMessage());
    }

    @Test
    void unknownUpstreamIsNamed() {
        WeirException e = rejected(sections(), TestConfs.exampleLayers().replace("upstream: [dwd_orders]", "upstream: [dwd_order]"));
        assertTrue(e.getMessage().contains("layers[4].upstream: unknown upstream table 'dwd_order'"), e.getMessage());
    }

    @Test
    void badPartitionFormatIsExplained() {
        WeirException e = rejected(sections(), TestConfs.exampleLayers().replaceFirst("format: yyyyMMdd", "format: ddMMyyyy"));
        assertTrue(e.getMessage().contains("layers[0].partition.format: 'ddMMyyyy' does not sort in time order"), e.getMessage());
        e = rejected(sections(), TestConfs.exampleLayers().replaceFirst("format: yyyyMMdd", "format: yyyyMMddHH"));
        assertTrue(e.getMessage().contains("is finer than one day"), e.getMessage());
        e = rejected(sections(), TestConfs.exampleLayers().replaceFirst("format: yyyyMMdd, granularity: day", "format: yyyyMMdd, granularity: hour"));
        assertTrue(e.getMessage().contains("is coarser than one hour"), e.getMessage());
        e = rejected(sections(), TestConfs.exampleLayers().replaceFirst("format: yyyyMMdd", "format: yyyybbdd"));
        assertTrue(e.getMessage().contains("layers[0].partition.format"), e.getMessage());
        e = rejected(sections(), TestConfs.exampleLayers().replaceFirst("granularity: day", "granularity: week"));
        assertTrue(e.getMessage().contains("layers[0].partition.granularity: expected one of day, hour, got 'week'"), e.getMessage());
    }

    @Test
    void hourlyPartitionsAreAccepted() {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, sections(), TestConfs.exampleLayers()
                .replaceFirst("format: yyyyMMdd, granularity: day", "format: yyyyMMddHH, granularity: hour")));
        PartitionSpec spec = conf.layer("ods_orders").partition().orElseThrow();
        assertEquals(48, spec.partitions(LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 16)).size());
        assertEquals("2023021523", spec.partitions(LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 15)).get(23).value());
    }

    @Test
    void eventTimesAreInTheSourcesZoneUnlessThePipelineNamesOne() {
        assertEquals(java.time.ZoneId.of("UTC"), TestConfs.load(TestConfs.write(dir, sections())).timeZone());
        PipelineConf east = TestConfs.load(TestConfs.write(dir, sections().replace("  database: order_dw\nsource:\n",
                "  database: order_dw\nsource:\n  server-time-zone: Asia/Shanghai\n")));
        assertEquals(java.time.ZoneId.of("Asia/Shanghai"), east.timeZone());
        // 2026-11-24 19:30 UTC is 03:30 of the 25th on a Shanghai wall clock, which partitions and watermarks use.
        assertEquals(java.time.Instant.parse("2026-11-25T03:30:00Z"), east.eventTime(java.time.Instant.parse("2026-11-24T19:30:00Z")));
        PipelineConf west = TestConfs.load(TestConfs.write(dir, sections().replace("  start-date: 2023-01-01\n",
                "  start-date: 2023-01-01\n  time-zone: '-05:00'\n")));
        assertEquals(java.time.Instant.parse("2026-11-24T14:30:00Z"), west.eventTime(java.time.Instant.parse("2026-11-24T19:30:00Z")));

        WeirException bad = rejected(sections().replace("  start-date: 2023-01-01\n", "  start-date: 2023-01-01\n  time-zone: Mars/Olympus\n"),
                TestConfs.exampleLayers());
        assertTrue(bad.getMessage().contains("pipeline.time-zone: expected a time zone such as UTC, Asia/Shanghai or -05:00,"
                + " got 'Mars/Olympus'"), bad.getMessage());
        WeirException two = rejected(sections().replace("  database: order_dw\nsource:\n",
                "  database: order_dw\nsource:\n  server-time-zone: Asia/Shanghai\n")
                + "sources:\n  archive:\n    hostname: 127.0.0.1\n    database: old_dw\n    username: root\n"
                + "    password: x\n    server-time-zone: America/New_York\n", TestConfs.exampleLayers());
        assertTrue(two.getMessage().contains("pipeline.time-zone: required when sources' clocks are in different zones"
                + " (archive: America/New_York, source: Asia/Shanghai)"), two.getMessage());
    }

    @Test
    void missingSecretNamesTheVariableButPrintsNoValue() {
        WeirException e = rejected(sections().replace("WEIR_TEST_MYSQL_PASSWORD", "WEIR_TEST_UNSET_VARIABLE"), TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("source.password: environment variable WEIR_TEST_UNSET_VARIABLE is not set"), e.getMessage());
    }

    @Test
    void secretsFromFilesAreMaskedEverywhere() throws Exception {
        Files.writeString(dir.resolve("mysql-password"), "from-a-file-42\n");
        PipelineConf conf = TestConfs.load(TestConfs.write(dir,
                sections().replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "${file:mysql-password}"), TestConfs.exampleLayers()));
        assertEquals("from-a-file-42", conf.source().orElseThrow().password());
        assertEquals("password=******", conf.secrets().mask("password=from-a-file-42"));
    }

    @Test
    void aShortSecretIsMaskedWhereItStandsButNotInsideOtherWords() throws Exception {
        Files.writeString(dir.resolve("mysql-password"), "x\n");
        PipelineConf conf = TestConfs.load(TestConfs.write(dir,
                sections().replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "${file:mysql-password}"), TestConfs.exampleLayers()));
        assertEquals("table txn: 'password' = '******', jdbc:mysql://weir:******@db/x_dw, user=******",
                conf.secrets().mask("table txn: 'password' = 'x', jdbc:mysql://weir:x@db/x_dw, user=x"));
    }

    @Test
    void invalidTypedValuesAndMissingRequiredKeys() {
        WeirException e = rejected(sections().replace("checkpoint-interval: 1s", "checkpoint-interval: soon")
                .replace("  name: test\n", ""), TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("flink.checkpoint-interval: expected a duration such as 30s, 5min or 1h, got 'soon'"), e.getMessage());
        assertTrue(e.getMessage().contains("pipeline.name: required"), e.getMessage());
    }

    @Test
    void yamlSyntaxErrorHasALine() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "pipeline:\n  name: [unclosed\n");
        WeirException e = assertThrows(WeirException.class, () -> TestConfs.load(file));
        assertTrue(e.getMessage().matches("(?s).*broken\\.yaml:\\d+:\\d+: not valid YAML.*"), e.getMessage());
    }

    private static String scheduleDwsUsers(String schedule) {
        return TestConfs.exampleLayers().replace("    template: dws_users.sql\n",
                "    template: dws_users.sql\n    schedule: " + schedule + "\n");
    }

    @Test
    void aLayerScheduleIsRead() {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, sections()
                + "scheduler:\n  poll-interval: 2s\n  max-attempts: 5\n",
                scheduleDwsUsers("{ cron: '0 5 0 * * ?', allowed-lateness: 10min, start-date: 2023-02-01 }")));
        LayerSchedule schedule = conf.layer("dws_users").schedule().orElseThrow();
        assertEquals("0 5 0 * * ?", schedule.cron());
        assertEquals(Duration.ofMinutes(10), schedule.allowedLateness());
        assertEquals(LocalDate.of(2023, 2, 1), schedule.startDate());
        assertEquals(java.util.List.of(conf.layer("dws_users")), conf.scheduledLayers());
        assertEquals(Duration.ofSeconds(2), conf.scheduler().pollInterval());
        assertEquals(5, conf.scheduler().maxAttempts());
        assertEquals(WeirOptions.SchedulerStore.H2, conf.scheduler().store());
    }

    @Test
    void aBadCronExpressionIsNamedWithWhatWasExpected() {
        WeirException e = rejected(sections(), scheduleDwsUsers("{ cron: '0 5 25 * * ?' }"));
        assertTrue(e.getMessage().contains("layers[4].schedule.cron: invalid cron expression '0 5 25 * * ?'"), e.getMessage());
        assertTrue(e.getMessage().contains("seconds minutes hours day-of-month month day-of-week"), e.getMessage());
        e = rejected(sections(), scheduleDwsUsers("{ cron: 'every day' }"));
        assertTrue(e.getMessage().contains("layers[4].schedule.cron: invalid cron expression 'every day'"), e.getMessage());
    }

    @Test
    void impossibleLatenessIsRejected() {
        WeirException e = rejected(sections(), scheduleDwsUsers("{ cron: '0 5 0 * * ?', allowed-lateness: -5min }"));
        assertTrue(e.getMessage().contains("layers[4].schedule.allowed-lateness: must be zero or more"), e.getMessage());
        e = rejected(sections(), scheduleDwsUsers("{ cron: '0 5 0 * * ?', allowed-lateness: soon }"));
        assertTrue(e.getMessage().contains("layers[4].schedule.allowed-lateness: expected a duration such as 30s, 5min or 1h, got 'soon'"), e.getMessage());
    }

    @Test
    void aScheduleNeedsACronAndAPartitionedLayer() {
        WeirException e = rejected(sections(), scheduleDwsUsers("{ allowed-lateness: 5min }"));
        assertTrue(e.getMessage().contains("layers[4].schedule.cron: required with a schedule block"), e.getMessage());
        String layers = TestConfs.exampleLayers().replace("    template: ods_product_catalog.sql\n",
                "    template: ods_product_catalog.sql\n    schedule: { cron: '0 5 0 * * ?' }\n");
        e = rejected(sections(), layers);
        assertTrue(e.getMessage().contains("layers[2].schedule.cron: only a partitioned layer can be scheduled"), e.getMessage());
    }

    @Test
    void badSchedulerSettingsAreNamed() {
        WeirException e = rejected(sections() + "scheduler:\n  store: postgresql\n  max-attempts: 0\n  poll-interval: 10ms\n",
                TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("scheduler.jdbc-url: store 'postgresql' needs a URL"), e.getMessage());
        assertTrue(e.getMessage().contains("scheduler.max-attempts: must be at least 1"), e.getMessage());
        assertTrue(e.getMessage().contains("scheduler.poll-interval: must be at least 100 ms"), e.getMessage());
    }
}
