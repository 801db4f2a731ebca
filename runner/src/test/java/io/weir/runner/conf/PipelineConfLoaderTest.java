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
    void relativePathsResolveAgainstTheConfFile() {
        String sections = sections().replace(dir.resolve("warehouse").toUri().toString(), "lake/wh");
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, sections));
        assertEquals(dir.resolve("lake/wh").toUri().toString(), conf.warehouse().uri());
    }

    @Test
    void unknownKeyIsNamed() {
        WeirException e = rejected(sections().replace("  parallelism: 1", "  paralelism: 1"), TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("flink.paralelism: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("flink.parallelism"), "lists the known keys: " + e.getMessage());
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
        assertTrue(e.getMessage().contains("layers[0].partition.granularity: invalid value 'week'"), e.getMessage());
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
    void invalidTypedValuesAndMissingRequiredKeys() {
        WeirException e = rejected(sections().replace("checkpoint-interval: 1s", "checkpoint-interval: soon")
                .replace("  name: test\n", ""), TestConfs.exampleLayers());
        assertTrue(e.getMessage().contains("flink.checkpoint-interval: invalid value 'soon'"), e.getMessage());
        assertTrue(e.getMessage().contains("pipeline.name: required"), e.getMessage());
    }

    @Test
    void yamlSyntaxErrorHasALine() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "pipeline:\n  name: [unclosed\n");
        WeirException e = assertThrows(WeirException.class, () -> TestConfs.load(file));
        assertTrue(e.getMessage().matches("(?s).*broken\\.yaml:\\d+:\\d+: not valid YAML.*"), e.getMessage());
    }
}
