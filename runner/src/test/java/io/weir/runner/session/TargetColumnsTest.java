package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A template whose table's columns changed after the table was made: CREATE TABLE IF NOT EXISTS
 * leaves the table as it is, so a run is refused before it starts, naming the columns.
 */
class TargetColumnsTest {

    @TempDir Path dir;

    @Test
    void aColumnAddedRemovedOrMovedInTheTemplateIsRefusedNamingTheColumns() throws Exception {
        PipelineConf made = conf("made", sql -> sql);
        try (FlinkSession session = FlinkSession.start(made.flink()); Lake lake = new Lake(made)) {
            new TableCreator(made, session, new Renderer(made)).createMissingTable(made.layer("dws_users"));
            assertDoesNotThrow(() -> TargetColumns.check(made, lake, new Renderer(made), List.of(made.layer("dws_users"))));
            // A watermark's column reads back as a rowtime attribute, and is still the same type.
            new TableCreator(made, session, new Renderer(made)).createMissingTable(made.layer("dwd_orders"));
            assertDoesNotThrow(() -> TargetColumns.check(made, lake, new Renderer(made), List.of(made.layer("dwd_orders"))));

            PipelineConf added = conf("added", sql -> sql.replace("  PRIMARY KEY (user_id, ds)",
                    "  max_fee DECIMAL(20, 2),\n  PRIMARY KEY (user_id, ds)"));
            WeirException refused = assertThrows(WeirException.class,
                    () -> TargetColumns.check(added, lake, new Renderer(added), added.layers()));
            assertEquals(WeirException.BAD_INPUT, refused.exitCode());
            assertTrue(refused.getMessage().startsWith(added.layer("dws_users").template() + ": layer 'dws_users' declares"
                    + " table dws_users with (user_id, ds, paied_buy_fee_sum, max_fee), but order_dw.dws_users in the"
                    + " warehouse has (user_id, ds, paied_buy_fee_sum): it declares max_fee, which the table lacks."
                    + " CREATE TABLE IF NOT EXISTS does not change a table that exists."), refused.getMessage());

            // Moved in the DDL and the query alike (moved in the DDL alone, the query's order is refused first).
            PipelineConf moved = conf("moved", sql -> sql.replace("  user_id STRING NOT NULL,\n  ds STRING NOT NULL,",
                    "  ds STRING NOT NULL,\n  user_id STRING NOT NULL,").replace(
                    "SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds,",
                    "SELECT DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds, order_user_id,"));
            WeirException reordered = assertThrows(WeirException.class,
                    () -> TargetColumns.check(moved, lake, new Renderer(moved), moved.layers()));
            assertTrue(reordered.getMessage().contains("): the same columns in another order."), reordered.getMessage());

            // The same types spelled otherwise, and key columns without NOT NULL, are the same table.
            PipelineConf respelled = conf("respelled", sql -> sql.replace("  user_id STRING NOT NULL,\n  ds STRING NOT NULL,",
                    "  user_id VARCHAR,\n  ds STRING,").replace("DECIMAL(20, 2) NOT NULL", "NUMERIC(20, 2) NOT NULL"));
            assertDoesNotThrow(() -> TargetColumns.check(respelled, lake, new Renderer(respelled), respelled.layers()));

            // A scale changed in the template alone would round every value into the table's.
            PipelineConf rescaled = conf("rescaled", sql -> sql.replace("DECIMAL(20, 2) NOT NULL", "DECIMAL(20, 4) NOT NULL"));
            WeirException retyped = assertThrows(WeirException.class,
                    () -> TargetColumns.check(rescaled, lake, new Renderer(rescaled), rescaled.layers()));
            assertEquals(WeirException.BAD_INPUT, retyped.exitCode());
            String sql = Files.readString(rescaled.layer("dws_users").template());
            String before = sql.substring(0, sql.indexOf("  paied_buy_fee_sum DECIMAL(20, 4)") + 2);
            int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
            int column = before.length() - before.lastIndexOf('\n');
            assertTrue(retyped.getMessage().startsWith(rescaled.layer("dws_users").template() + ":" + line + ":" + column
                    + ": layer 'dws_users' declares column paied_buy_fee_sum as DECIMAL(20, 4), but order_dw.dws_users in"
                    + " the warehouse has it as DECIMAL(20, 2). CREATE TABLE IF NOT EXISTS does not change a table that"
                    + " exists, and Flink would cast every value to the table's type. Change the column to match (Paimon:"
                    + " ALTER TABLE order_dw.dws_users MODIFY paied_buy_fee_sum DECIMAL(20, 4);"), retyped.getMessage());
        }
    }

    /** The example conf on its own warehouse, with dws_users' template edited. */
    private PipelineConf conf(String name, UnaryOperator<String> dwsUsers) throws Exception {
        Path templates = Files.createDirectories(dir.resolve(name + "-templates"));
        try (Stream<Path> files = Files.list(TestConfs.templatesDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String sql = Files.readString(file);
                Files.writeString(templates.resolve(file.getFileName()),
                        file.getFileName().toString().equals("dws_users.sql") ? dwsUsers.apply(sql) : sql);
            }
        }
        Path file = TestConfs.write(dir.resolve(name), TestConfs.standardSections(dir, 1, "none"));
        Files.writeString(file, Files.readString(file).replace("templates: " + TestConfs.templatesDir(),
                "templates: " + templates));
        return TestConfs.load(file);
    }
}
