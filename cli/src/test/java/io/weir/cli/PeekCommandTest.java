package io.weir.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.Decimal;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weir peek} on a real warehouse: dws_users holds 3 users on each of 3 days, written with
 * Paimon's own writer. Rows of a partition, a condition, JSON, a limit, the changes from a
 * snapshot, and bad names refused with exit 2.
 */
class PeekCommandTest {

    @TempDir static Path dir;
    static Path conf;

    @BeforeAll
    static void warehouse() throws Exception {
        // No source runs here: the CLI reads the conf from its own environment, so no secret is needed.
        conf = TestConfs.write(dir, TestConfs.standardSections(dir, 3306, "order_dw")
                .replace("${env:WEIR_TEST_MYSQL_PASSWORD}", "''"));
        PipelineConf pipeline = TestConfs.load(conf);
        try (FlinkSession session = FlinkSession.start(pipeline.flink().withWebUiPort(0));
                Lake lake = new Lake(pipeline.warehouse())) {
            new TableCreator(pipeline, session, new Renderer(pipeline)).createMissingTables();
            BatchWriteBuilder builder = lake.table("dws_users").newBatchWriteBuilder();
            // dws_users has the lookup changelog producer: its writer spills lookup files to local disk.
            try (BatchTableWrite write = (BatchTableWrite) builder.newWrite().withIOManager(
                        org.apache.paimon.disk.IOManager.create(dir.resolve("io").toString()));
                    BatchTableCommit commit = builder.newCommit()) {
                for (int day = 14; day <= 16; day++) {
                    for (int user = 1; user <= 3; user++) {
                        write.write(GenericRow.of(BinaryString.fromString("user_00" + user),
                                BinaryString.fromString("202302" + day),
                                Decimal.fromBigDecimal(new BigDecimal(day * 100 + user + ".50"), 20, 2)));
                    }
                }
                commit.commit(write.prepareCommit());
            }
        }
    }

    @Test
    void peeksAPartitionWithAConditionAsTextAndJson() throws Exception {
        CliRun day = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--partition", "2023-02-15");
        assertEquals(0, day.exitCode(), day.err());
        assertTrue(day.out().contains("user_002") && day.out().contains("1502.50"), day.out());
        assertFalse(day.out().contains("20230214") || day.out().contains("20230216"), day.out());
        assertTrue(day.out().contains("3 row(s) of order_dw.dws_users"), day.out());

        CliRun json = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--where",
                "paied_buy_fee_sum > 1602 AND user_id <> 'user_003'", "--json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode rows = new ObjectMapper().readTree(json.out());
        assertEquals(1, rows.size(), json.out());
        assertEquals("user_002", rows.get(0).get("user_id").asText());
        assertEquals("20230216", rows.get(0).get("ds").asText());
        assertTrue(json.out().contains("\"paied_buy_fee_sum\" : 1602.50"), "a decimal keeps its scale: " + json.out());

        CliRun limited = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--limit", "2");
        assertEquals(0, limited.exitCode(), limited.err());
        assertTrue(limited.out().contains("2 row(s) of order_dw.dws_users; more exist"), limited.out());
    }

    @Test
    void followPrintsTheChangesFromASnapshot() {
        CliRun changes = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--follow",
                "--from-snapshot", "1", "--limit", "3", "--partition", "20230214");
        assertEquals(0, changes.exitCode(), changes.err());
        List<String> lines = changes.out().lines().toList();
        assertEquals(3, lines.size(), changes.out());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("+I user_00") && l.contains("| 20230214 |")), changes.out());
    }

    @Test
    void badNamesAreExitCodeTwo() {
        CliRun table = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_nobody");
        assertEquals(2, table.exitCode(), table.err());
        assertTrue(table.err().contains("--table dws_nobody is no layer or table of") && table.err().contains("dws_users"),
                table.err());
        CliRun partition = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--partition", "20230301");
        assertEquals(2, partition.exitCode(), partition.err());
        assertTrue(partition.err().contains("table dws_users has no partition 20230301 (it has 3, from 20230214 to 20230216)"),
                partition.err());
        CliRun where = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--where", "1 = 1; DROP TABLE x");
        assertEquals(2, where.exitCode(), where.err());
        // The position is the condition's own, not that of the query Weir wraps it in.
        assertTrue(where.err().contains("--where 1 = 1; DROP TABLE x: not a condition Flink SQL can parse (syntax error:"
                + " Encountered \";\" at line 1, column 6") && !where.err().contains("query:"), where.err());
        assertEquals("none of the 24 partitions 2023030100 to 2023030123", PeekCommand.wanted(
                java.util.stream.IntStream.range(0, 24).mapToObj(h -> String.format("20230301%02d", h)).toList()));
        CliRun unbuilt = CliRun.of("peek", "--conf", conf.toString(), "--table", "weir.nothing");
        assertEquals(2, unbuilt.exitCode(), unbuilt.err());
        CliRun column = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--where", "paied_sum > 100");
        assertEquals(2, column.exitCode(), column.err());
        assertTrue(column.err().contains("--where paied_sum > 100: Column 'paied_sum' not found")
                && !column.err().contains("\tat "), column.err());
        // A snapshot not yet written would be waited for in silence.
        CliRun ahead = CliRun.of("peek", "--conf", conf.toString(), "--table", "dws_users", "--follow", "--from-snapshot", "99999");
        assertEquals(2, ahead.exitCode(), ahead.err());
        assertTrue(ahead.err().contains("--from-snapshot 99999: table dws_users keeps snapshots 1 to ")
                && ahead.err().contains("to follow from now, leave --from-snapshot out"), ahead.err());
    }
}
