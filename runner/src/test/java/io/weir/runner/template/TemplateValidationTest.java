package io.weir.runner.template;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad template is rejected with file:line:column and a plain reason. */
class TemplateValidationTest {

    private static final String DDL = "CREATE TABLE IF NOT EXISTS t (\n  k STRING,\n  v BIGINT,\n  ds STRING,\n"
            + "  PRIMARY KEY (k, ds) NOT ENFORCED\n) PARTITIONED BY (ds);\n";

    @TempDir Path dir;

    private String rejected(String template) throws Exception {
        PipelineConf pipeline = pipeline(template);
        Path file = dir.resolve("templates/t.sql");
        WeirException e = assertThrows(WeirException.class, () -> new Renderer(pipeline).checkAll());
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(file + ":"), e.getMessage());
        return e.getMessage().substring(file.toString().length());
    }

    private PipelineConf pipeline(String template) throws Exception {
        Path templates = dir.resolve("templates");
        Files.createDirectories(templates);
        Path file = templates.resolve("t.sql");
        Files.writeString(file, template);
        Path conf = dir.resolve("pipeline.yaml");
        Files.writeString(conf, "templates: templates\npipeline:\n  name: t\nwarehouse:\n  uri: wh\n"
                + "layers:\n  - name: t\n    template: t.sql\n    partition: { column: ds }\n");
        return TestConfs.load(conf);
    }

    /** INSERT fills by position: a query column named as another target column writes the wrong one. */
    @Test
    void aQueryColumnNamedAsAnotherTargetColumnIsRefused() throws Exception {
        String source = "CREATE TEMPORARY TABLE s (k STRING, v BIGINT, d STRING) WITH ('connector' = 'datagen');\n";
        String where = " FROM s WHERE d BETWEEN '${start_date}' AND '${end_date}';\n";
        String swapped = rejected(DDL + source + "INSERT INTO t SELECT k, d AS ds, v" + where);
        assertTrue(swapped.startsWith(":8:25: the query's column 2 is named ds, but INSERT fills columns by position, not"
                + " by name: it would go into v, while ds is column 3. Put the query's columns in the order of the table"
                + " (k, v, ds)"), swapped);
        String listed = rejected(DDL + source + "INSERT INTO t (k, ds, v) SELECT k, v, d AS ds" + where);
        assertTrue(listed.contains("the query's column 2 is named v, but INSERT fills columns by position, not by name:"
                + " it would go into ds, while v is column 3. Put the query's columns in the order of the INSERT's column"
                + " list (k, ds, v)"), listed);
        String union = rejected(DDL + source + "INSERT INTO t SELECT s.k, d AS ds, v" + where.replace(";\n", "")
                + " UNION ALL SELECT k, v, d FROM s;\n");
        assertTrue(union.contains("column 2 is named ds"), union);
        // Unnamed expressions, matching names, and the column list's own order are left alone.
        for (String insert : new String[] {"INSERT INTO t SELECT k, v + 1, d AS ds", "INSERT INTO t SELECT s.k, s.v, d",
                "INSERT INTO t (k, ds, v) SELECT k, d AS ds, v", "INSERT INTO t SELECT *"}) {
            PipelineConf pipeline = pipeline(DDL + source + insert + where);
            new Renderer(pipeline).checkAll();
        }
    }

    @Test
    void statementThatIsNotAnInsert() throws Exception {
        String message = rejected(DDL + "SELECT * FROM t WHERE ds >= '${start_date}';\n");
        assertEquals(":7:1: statement is a SELECT, not an INSERT: a layer template holds INSERT INTO t, the table's"
                + " CREATE TABLE IF NOT EXISTS and CREATE TEMPORARY TABLE/VIEW helpers", message);
        assertTrue(rejected(DDL + "DROP TABLE t;\n").startsWith(":7:1: statement is a DROP TABLE, not an INSERT"));
        StringBuilder terms = new StringBuilder();
        for (int i = 0; i < 8000; i++) {
            terms.append(i == 0 ? "" : " OR ").append("v = ").append(i);
        }
        assertTrue(rejected(DDL + "INSERT INTO t SELECT k, v, ds FROM t WHERE " + terms + ";\n")
                .contains("a statement nests too deeply for the SQL parser"));
        assertTrue(rejected(DDL + "CREATE CATALOG c WITH ('type' = 'paimon');\n")
                .matches(":7:\\d+: statement is a CREATE CATALOG, not an INSERT.*"), rejected(DDL + "CREATE CATALOG c WITH ('type' = 'paimon');\n"));
        assertTrue(rejected(DDL + "SET 'parallelism.default' = '4';\n").matches(":7:\\d+: statement is a SET, not an INSERT.*"),
                rejected(DDL + "SET 'parallelism.default' = '4';\n"));
        assertTrue(rejected(DDL + "ADD JAR '/tmp/x.jar';\n").matches(":7:\\d+: statement is a ADD JAR, not an INSERT.*"),
                rejected(DDL + "ADD JAR '/tmp/x.jar';\n"));
    }

    @Test
    void targetNotPartitionedByTheDeclaredColumn() throws Exception {
        String message = rejected("CREATE TABLE IF NOT EXISTS t (k STRING, dt STRING) PARTITIONED BY (dt);\n"
                + "INSERT INTO t SELECT 'a', '${start_date}${end_date}';\n");
        assertEquals(":1:1: table t is partitioned by (dt), but layer 't' declares partition column ds:"
                + " expected PARTITIONED BY (ds)", message);
        assertTrue(rejected("CREATE TABLE IF NOT EXISTS t (k STRING, ds STRING);\nINSERT INTO t SELECT 'a', 'b';\n")
                .contains("table t is not partitioned"));
    }

    @Test
    void templateWithoutRangeParameters() throws Exception {
        String message = rejected(DDL + "INSERT INTO t\nSELECT k, v, ds FROM src WHERE ds >= '${start_date}';\n");
        assertEquals(":7:8: template of partitioned layer 't' does not use ${end_date} (or ${end_time}):"
                + " a backfill could not limit it to its range", message);
        assertTrue(rejected(DDL + "INSERT INTO t SELECT k, v, ds FROM src;\n")
                .contains("does not use ${start_date} (or ${start_time}) and ${end_date} (or ${end_time})"));
    }

    @Test
    void unknownParameter() throws Exception {
        String message = rejected(DDL + "INSERT INTO t SELECT k, v, ds FROM src\n"
                + "WHERE ds BETWEEN '${start_date}' AND '${ds_end}';\n");
        assertEquals(":8:38: unknown parameter '${ds_end}' (known: ${start_date}, ${end_date}, ${start_time}, ${end_time})",
                message);
    }

    @Test
    void syntaxErrorHasItsPosition() throws Exception {
        assertTrue(rejected(DDL + "INSERT INTO t SELEC k FROM src;\n").startsWith(":7:15: syntax error"));
    }

    @Test
    void aReservedWordAsAColumnNameIsExplained() throws Exception {
        String message = rejected(DDL.replace("  v BIGINT,", "  method STRING,\n  v BIGINT,")
                + "INSERT INTO t SELECT k, v, ds FROM src WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n");
        assertTrue(message.startsWith(":3:3: syntax error: Encountered \"method\""), message);
        assertTrue(message.endsWith("; METHOD is a reserved word in Flink SQL: as a name, quote it as `method`"), message);
        assertFalse(rejected(DDL + "INSERT INTO t SELECT k, v, FROM src;\n").contains("reserved"),
                "a trailing comma before FROM is not a name");
    }

    @Test
    void aParameterInATypedLiteralIsExplained() throws Exception {
        String message = rejected(DDL + "INSERT INTO t SELECT k, v, ds FROM src\n"
                + "WHERE ts >= TIMESTAMP '${start_time}' AND ts < TIMESTAMP '${end_time}';\n");
        assertTrue(message.startsWith(":8:13: syntax error: Illegal TIMESTAMP literal '${start_time}'"), message);
        assertTrue(message.contains("write CAST('${start_time}' AS TIMESTAMP(3))"), message);
    }

    @Test
    void insertIntoAnotherTableOrOverwrite() throws Exception {
        assertTrue(rejected(DDL + "INSERT INTO other SELECT 1;\n").contains(":7:8: INSERT into other, but layer 't' writes t"));
        assertTrue(rejected(DDL + "INSERT OVERWRITE t SELECT k, v, ds FROM s WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n")
                .contains("write a plain INSERT INTO t"));
    }

    @Test
    void ddlMustBeIdempotentAndForTheTarget() throws Exception {
        assertTrue(rejected(DDL.replace(" IF NOT EXISTS", "") + "INSERT INTO t SELECT 1;\n")
                .startsWith(":1:1: write CREATE TABLE IF NOT EXISTS t"));
        assertTrue(rejected("CREATE TABLE IF NOT EXISTS u (a INT);\n").contains("is not the layer's target table t"));
        assertTrue(rejected("INSERT INTO t SELECT 1;\n").contains("no CREATE TABLE IF NOT EXISTS t"));
    }

    /** A qualified target could be another table: the backfill would write it and drop the layer's partitions. */
    @Test
    void targetMustBeTheLayersOwnTableUnqualified() throws Exception {
        String insert = "INSERT INTO %s SELECT k, v, ds FROM s WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n";
        for (String target : new String[] {"other_db.t", "default_catalog.default_database.t", "`weir_lake`.`order_dw`.t"}) {
            String message = rejected(DDL + "CREATE TEMPORARY TABLE s (k STRING, v BIGINT, ds STRING) WITH ('connector' = 'datagen');\n"
                    + String.format(insert, target));
            assertTrue(message.contains(":8:13: INSERT INTO ") && message.contains("name the layer's table without catalog or database"),
                    target + ": " + message);
        }
        assertTrue(rejected(DDL.replace("EXISTS t (", "EXISTS other_db.t (") + String.format(insert, "t"))
                .contains(":1:28: CREATE TABLE other_db.t: name the layer's table without catalog or database"));
        String shadow = rejected(DDL + "CREATE TEMPORARY VIEW t AS SELECT 'a' AS k, 1 AS v, 'x' AS ds;\n" + String.format(insert, "t"));
        assertTrue(shadow.contains(":7:23: temporary table or view t has the name of the layer's target table t"), shadow);
    }

    /** Two INSERTs into a partial-update table may share a column only if Paimon merges it deterministically. */
    @Test
    void partialUpdateColumnWrittenByTwoInputsNeedsAGroupOrAnAggregate() throws Exception {
        String table = "CREATE TABLE IF NOT EXISTS t (\n  k STRING,\n  a BIGINT,\n  b BIGINT,\n  seen TIMESTAMP(3),\n"
                + "  ds STRING,\n  PRIMARY KEY (k, ds) NOT ENFORCED\n) PARTITIONED BY (ds) WITH (\n"
                + "  'merge-engine' = 'partial-update',\n  'fields.a.sequence-group' = 'a'%s\n);\n";
        String inserts = "CREATE TEMPORARY TABLE s (k STRING, v BIGINT, ts TIMESTAMP(3), ds STRING) WITH ('connector' = 'datagen');\n"
                + "INSERT INTO t (k, ds, a, seen) SELECT k, ds, v, ts FROM s WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n"
                + "INSERT INTO t (k, ds, b, seen) SELECT k, ds, v, ts FROM s WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n";
        String message = rejected(String.format(table, "") + inserts);
        assertTrue(message.contains(":14:8: column seen of partial-update table t is written by 2 INSERTs but belongs to"
                + " no sequence group") && message.contains("'fields.seen.sequence-group' = 'seen'"), message);
        for (String merge : new String[] {",\n  'fields.seen.sequence-group' = 'seen'", ",\n  'fields.b.sequence-group' = 'seen'"}) {
            Path good = dir.resolve("templates/t.sql");
            Files.writeString(good, String.format(table, merge) + inserts);
            new Renderer(TestConfs.load(dir.resolve("pipeline.yaml"))).checkAll();
        }
    }

    /** Line endings, a byte-order mark, encodings, emptiness and size: each refused or read as meant. */
    @Test
    void templateTextIsReadAsUtf8WithAnyLineEndingsAndSizeLimited() throws Exception {
        String good = DDL + "CREATE TEMPORARY TABLE s (k STRING, v BIGINT, ds STRING) WITH ('connector' = 'datagen');\n"
                + "INSERT INTO t SELECT k, v, ds FROM s WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n";
        for (String variant : new String[] {good.replace("\n", "\r"), good.replace("\n", "\r\n"), "\uFEFF" + good}) {
            PipelineConf pipeline = TestConfs.load(conf(variant.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            String insert = new Renderer(pipeline).batch(pipeline.layer("t"), java.time.LocalDate.of(2023, 2, 15),
                    java.time.LocalDate.of(2023, 2, 15)).inserts().get(0);
            assertTrue(insert.contains("'20230215'"), insert);
        }
        assertTrue(rejected("").contains(":1:1: the template holds no SQL statement"), rejected(""));
        assertTrue(rejected("-- only a comment\n\n").contains("holds no SQL statement"));
        WeirException latin1 = assertThrows(WeirException.class, () -> new Renderer(TestConfs.load(conf(
                "-- caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))).checkAll());
        assertTrue(latin1.getMessage().endsWith("t.sql: the template is not UTF-8 text; save it as UTF-8"), latin1.getMessage());
        byte[] huge = new byte[LayerTemplate.MAX_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        WeirException big = assertThrows(WeirException.class, () -> new Renderer(TestConfs.load(conf(huge))).checkAll());
        assertEquals(WeirException.BAD_INPUT, big.exitCode());
        assertTrue(big.getMessage().contains("a template may have at most 1048576 (1 MiB)"), big.getMessage());
    }

    private Path conf(byte[] template) throws Exception {
        Path templates = dir.resolve("templates");
        Files.createDirectories(templates);
        Files.write(templates.resolve("t.sql"), template);
        Path conf = dir.resolve("pipeline.yaml");
        Files.writeString(conf, "templates: templates\npipeline:\n  name: t\nwarehouse:\n  uri: wh\n"
                + "layers:\n  - name: t\n    template: t.sql\n    partition: { column: ds }\n");
        return conf;
    }
}
