package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A check that passed is not planned again, but a template edited since, under the same path and
 * the same conf, is: a long-running scheduler must not run a changed template on an old pass.
 */
class PlanCheckTest {

    @TempDir Path dir;

    @Test
    void aTemplateEditedAfterItsCheckPassedIsCheckedAgain() throws Exception {
        Path templates = dir.resolve("templates");
        PipelineConf conf = withOwnTemplates(templates);

        java.util.Set<String> first = PlanCheck.check(conf, conf.layers());
        assertEquals(first, PlanCheck.check(conf, conf.layers()));

        Path dwsUsers = templates.resolve("dws_users.sql");
        String sql = Files.readString(dwsUsers);
        assertTrue(sql.contains("SUM(order_fee)"), sql);
        String edited = sql.replace("SUM(order_fee)", "SUM(no_such_fee)");
        Files.writeString(dwsUsers, edited);
        WeirException refused = assertThrows(WeirException.class, () -> PlanCheck.check(conf, conf.layers()));
        assertEquals(WeirException.BAD_INPUT, refused.exitCode());
        // The planner counts in the rendered statement; the message counts in the user's file.
        String before = edited.substring(0, edited.indexOf("no_such_fee"));
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
        int column = before.length() - before.lastIndexOf('\n');
        assertTrue(refused.getMessage().startsWith(conf.layer("dws_users").template() + ":" + line + ":" + column
                + ": layer 'dws_users' does not plan:"), refused.getMessage());
        assertTrue(refused.getMessage().contains("no_such_fee"), refused.getMessage());

        Files.writeString(dwsUsers, sql);
        assertEquals(first, PlanCheck.check(conf, conf.layers()));
    }

    @Test
    void aRefusedTableOrExpressionIsPlacedAtItsLineAndColumnInTheTemplate() throws Exception {
        Path templates = dir.resolve("templates");
        PipelineConf conf = withOwnTemplates(templates);
        Path dwsUsers = templates.resolve("dws_users.sql");
        String sql = Files.readString(dwsUsers);

        // The renderer qualifies the table's name; the user's own name is found.
        assertRefusedAt(conf, dwsUsers, sql.replace("FROM dwd_orders", "FROM dwd_orderz"), "dwd_orderz",
                "Object 'dwd_orderz' not found");
        // A column the target's DDL names too is placed in the INSERT, where the planner refused it.
        assertRefusedAt(conf, dwsUsers, sql.replace("pay_id IS NOT NULL", "paied_buy_fee_sum IS NOT NULL"),
                "paied_buy_fee_sum IS", "Column 'paied_buy_fee_sum' not found");
        // Named in SELECT and WHERE: the occurrence the planner refused, not the first one.
        String twice = sql.replace("order_fee", "order_feez");
        String inWhere = twice.substring(0, twice.indexOf("AND order_feez IS NOT NULL") + "AND ".length());
        int line = (int) inWhere.chars().filter(c -> c == '\n').count() + 1;
        int column = inWhere.length() - inWhere.lastIndexOf('\n');
        String refusedAt = refusal(conf, dwsUsers, twice);
        assertTrue(refusedAt.startsWith(dwsUsers + ":" + line + ":" + column + ": layer 'dws_users' does not plan: Column"
                + " 'order_feez' not found"), "Calcite validates WHERE before SELECT: " + refusedAt);
        // Without a span from the planner, the option value its message quotes is found.
        String typo = sql.replace("'merge-engine' = 'aggregation'", "'merge-engine' = 'aggregatoin'");
        String value = typo.substring(0, typo.indexOf("'merge-engine' = 'aggregatoin'") + "'merge-engine' = ".length());
        String refusedValue = refusal(conf, dwsUsers, typo);
        assertTrue(refusedValue.startsWith(dwsUsers + ":" + ((int) value.chars().filter(c -> c == '\n').count() + 1) + ":"
                + (value.length() - value.lastIndexOf('\n')) + ": layer 'dws_users' does not plan: "), refusedValue);
    }

    @Test
    void aConnectorsOptionCheckNamesTheOptions() {
        org.apache.flink.table.api.TableEnvironment flink = org.apache.flink.table.api.TableEnvironment.create(
                org.apache.flink.table.api.EnvironmentSettings.inStreamingMode());
        flink.executeSql("CREATE TEMPORARY TABLE typo (x INT) WITH ('connector' = 'datagen', 'rows-per-secnd' = '1')");
        flink.executeSql("CREATE TEMPORARY TABLE pathless (x INT) WITH ('connector' = 'filesystem', 'format' = 'csv')");
        assertEquals("Unsupported options found for 'datagen': rows-per-secnd", PlanCheck.reason(
                assertThrows(RuntimeException.class, () -> flink.explainSql("SELECT * FROM typo"))));
        assertEquals("One or more required options are missing: path", PlanCheck.reason(
                assertThrows(RuntimeException.class, () -> flink.explainSql("SELECT * FROM pathless"))));
    }

    private static String refusal(PipelineConf conf, Path template, String edited) throws Exception {
        Files.writeString(template, edited);
        return assertThrows(WeirException.class, () -> PlanCheck.check(conf, conf.layers())).getMessage();
    }

    /** The example conf, reading copies of the templates in {@code templates} that a test may edit. */
    private PipelineConf withOwnTemplates(Path templates) throws Exception {
        Files.createDirectories(templates);
        try (Stream<Path> files = Files.list(TestConfs.templatesDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path file = TestConfs.write(dir.resolve("conf"), TestConfs.standardSections(dir, 1, "none"));
        Files.writeString(file, Files.readString(file).replace("templates: " + TestConfs.templatesDir(),
                "templates: " + templates));
        return TestConfs.load(file);
    }

    private static void assertRefusedAt(PipelineConf conf, Path template, String edited, String at, String reason)
            throws Exception {
        Files.writeString(template, edited);
        WeirException refused = assertThrows(WeirException.class, () -> PlanCheck.check(conf, conf.layers()));
        String before = edited.substring(0, edited.indexOf(at));
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
        int column = before.length() - before.lastIndexOf('\n');
        assertTrue(refused.getMessage().startsWith(template + ":" + line + ":" + column + ": layer 'dws_users' does not plan: "
                + reason), refused.getMessage());
    }
}
