package io.weir.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import io.weir.runner.conf.PipelineConf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes and messages of the commands that need no cluster. */
class WeirCommandTest {

    static final String QUICKSTART = CliRun.projectDir().resolve("conf/quickstart.yaml").toString();

    @TempDir Path dir;

    @Test
    void helpListsTheCommands() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.exitCode());
        for (String command : new String[] {"quickstart", "stream", "render", "validate"}) {
            assertTrue(run.out().contains(command), run.out());
        }
    }

    @Test
    void validateReportsTheLayersInDependencyOrder() {
        CliRun run = CliRun.of("validate", "--conf", QUICKSTART);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ok, 6 layers planned, in dependency order: ods_orders -> ods_orders_pay ->"
                + " ods_product_catalog -> dwd_orders -> dws_users -> dws_shops"), run.out());
    }

    @Test
    void validateNotesAScheduleThatStartsInTheFuture() throws Exception {
        String quickstart = Files.readString(Path.of(QUICKSTART));
        String start = "allowed-lateness: 5min, start-date: 2023-02-15 }\n  - name: dws_shops";
        assertTrue(quickstart.contains(start), quickstart);
        java.time.LocalDate future = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusYears(1);
        Path conf = dir.resolve("future-start.yaml");
        Files.writeString(conf, quickstart.replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace(start, start.replace("2023-02-15", future.toString())));
        CliRun run = CliRun.of("validate", "--conf", conf.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("note: layer 'dws_users' schedule start-date " + future
                + " is in the future (today is "), run.out());
        assertFalse(run.out().contains("note: layer 'dws_shops'"), run.out());
    }

    /** A window over event time drops rows behind the watermark in the stream, never in batch: validate says so. */
    @Test
    void validateNotesALayerWhoseStreamDropsLateRowsUnlessAScheduleRebuildsIt() throws Exception {
        Path template = dir.resolve("dws_shop_hourly.sql");
        Files.writeString(template, "CREATE TABLE IF NOT EXISTS dws_shop_hourly (shop_id BIGINT NOT NULL, dh STRING NOT NULL,"
                + " n BIGINT, PRIMARY KEY (shop_id, dh) NOT ENFORCED) PARTITIONED BY (dh) WITH ('bucket' = '1');\n"
                + "INSERT INTO dws_shop_hourly SELECT order_shop_id, DATE_FORMAT(window_start, 'yyyyMMddHH'), COUNT(*)"
                + " FROM TABLE(TUMBLE(TABLE dwd_orders, DESCRIPTOR(event_time), INTERVAL '1' HOUR))"
                + " WHERE ds BETWEEN SUBSTRING('${start_date}', 1, 8) AND SUBSTRING('${end_date}', 1, 8)"
                + " GROUP BY order_shop_id, window_start, window_end;\n");
        String quickstart = Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"));
        String layer = "  - name: dws_shop_hourly\n    template: " + template + "\n"
                + "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n    upstream: [dwd_orders]\n";
        Path unscheduled = dir.resolve("window-unscheduled.yaml");
        Files.writeString(unscheduled, quickstart.stripTrailing() + "\n" + layer);
        CliRun run = CliRun.of("validate", "--conf", unscheduled.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("note: layer 'dws_shop_hourly': its stream's "), run.out());
        assertTrue(run.out().contains("drops rows that arrive behind the watermark"), run.out());
        assertEquals(1, run.out().lines().filter(l -> l.startsWith("note: layer ")).count(),
                "a GROUP BY per day keeps every row: " + run.out());

        Path scheduled = dir.resolve("window-scheduled.yaml");
        Files.writeString(scheduled, quickstart.stripTrailing() + "\n" + layer
                + "    schedule: { cron: '0 5 * * * ?', start-date: 2023-02-15 }\n");
        CliRun withSchedule = CliRun.of("validate", "--conf", scheduled.toString());
        assertEquals(0, withSchedule.exitCode(), withSchedule.err());
        assertFalse(withSchedule.out().contains("note: layer 'dws_shop_hourly'"), withSchedule.out());
    }

    @Test
    void badConfIsExitCodeTwoWithFileAndKey() throws Exception {
        Path conf = dir.resolve("bad.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("checkpoint-interval: 5s", "checkpoint-intervall: 5s"));
        CliRun run = CliRun.of("validate", "--conf", conf.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains(conf + ": flink.checkpoint-intervall: unknown key"), run.err());
    }

    /** A duration without a unit would be milliseconds to Flink, and zero would stop at once: both refused. */
    @Test
    void aDurationNeedsAUnitAndSomeTime() throws Exception {
        for (String command : new String[] {"schedule", "stream", "ui"}) {
            assertBadInput(CliRun.of(command, "--conf", QUICKSTART, "--duration", "10"),
                    "'10' has no unit: give 10s, 10min or 10h (without one Flink would read it as milliseconds)");
            assertBadInput(CliRun.of(command, "--conf", QUICKSTART, "--duration", "0min"),
                    "'0min' is no time at all: give a duration above zero");
        }
    }

    /** Cluster commands: each refuses the embedded target plainly, and a cluster that does not answer is one line. */
    @Test
    void clusterCommandsNeedAReachableRemoteCluster() throws Exception {
        for (String[] args : new String[][] {{"stop"}, {"savepoint"}, {"jobs"}}) {
            assertBadInput(CliRun.of(args[0], "--conf", QUICKSTART), "works on a Flink cluster (flink.target: remote)");
        }
        assertBadInput(CliRun.of("stream", "--detach", "--conf", QUICKSTART), "--detach needs flink.target: remote");
        assertBadInput(CliRun.of("stream", "--dry-run", "--conf", QUICKSTART),
                "--dry-run shows an upgrade's plan: give it with --upgrade");
        assertBadInput(CliRun.of("stream", "--upgrade", "--fresh", "--conf", QUICKSTART),
                "--upgrade and --fresh exclude each other");

        Path conf = dir.resolve("remote.yaml");
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("  target: embedded\n", "  target: remote\n  address: 127.0.0.1:" + closed + "\n"));
        long started = System.nanoTime();
        CliRun jobs = CliRun.of("jobs", "--conf", conf.toString());
        assertEquals(1, jobs.exitCode(), jobs.out() + jobs.err());
        assertTrue(jobs.err().contains("cannot reach the Flink cluster at http://127.0.0.1:" + closed + " (flink.address):"
                + " connection refused (nothing listens there)"), jobs.err());
        assertTrue(jobs.err().strip().lines().count() <= 2 && !jobs.err().contains("\tat "), "one line, no trace: " + jobs.err());
        assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(30),
                "no minute of retries");

        // Status goes on without the cluster and says why it has no jobs to show.
        Files.writeString(conf, Files.readString(conf).replace("uri: ../.weir/quickstart/warehouse",
                "uri: " + dir.resolve("warehouse")).replace("state-dir: ../.weir/quickstart/state",
                "state-dir: " + dir.resolve("state")));
        CliRun status = CliRun.of("status", "--conf", conf.toString());
        assertEquals(0, status.exitCode(), status.out() + status.err());
        assertTrue(status.out().contains("Flink cluster: cannot reach the Flink cluster at http://127.0.0.1:" + closed
                + " (flink.address): connection refused (nothing listens there)\n"), status.out());
        assertFalse(status.out().contains("no job of this pipeline"), status.out());

        // A backfill names its run before it starts; when the cluster is not there, it says the run never was.
        CliRun backfill = CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2024-03-01", "--to", "2024-03-02");
        assertEquals(1, backfill.exitCode(), backfill.out() + backfill.err());
        String runId = backfill.out().lines().filter(l -> l.startsWith("run ")).findFirst().orElseThrow().split(" ")[1];
        assertTrue(backfill.err().contains("run " + runId + " did not start, and nothing was written or recorded: cannot"
                + " reach the Flink cluster at http://127.0.0.1:" + closed), backfill.err());
        CliRun runs = CliRun.of("runs", "--conf", conf.toString());
        assertEquals(0, runs.exitCode(), runs.out() + runs.err());
        assertTrue(runs.out().contains("No runs recorded"), runs.out());
    }

    @Test
    void renderPrintsBothFormsForEveryLayer() {
        for (String layer : new String[] {"ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders", "dws_users", "dws_shops"}) {
            CliRun stream = CliRun.of("render", "--conf", QUICKSTART, "--layer", layer, "--mode", "stream");
            assertEquals(0, stream.exitCode(), stream.err());
            assertTrue(stream.out().contains("INSERT INTO " + layer), stream.out());
            // As weir stream runs it: a DWS aggregate keeps state, so its stream keeps out of sealed days.
            if (layer.startsWith("dws_") || layer.equals("dwd_orders")) {
                assertEquals(layer.startsWith("dws_"), stream.out().contains("FOR SYSTEM_TIME AS OF weir_f.weir_pt AS weir_seal"),
                        stream.out());
            }
            CliRun batch = CliRun.of("render", "--conf", QUICKSTART, "--layer", layer, "--mode", "batch",
                    "--start", "2023-02-14", "--end", "2023-02-15");
            assertEquals(0, batch.exitCode(), batch.err());
            assertTrue(batch.out().contains("INSERT OVERWRITE " + layer), batch.out());
        }
    }

    @Test
    void renderMasksSecrets() throws Exception {
        Files.writeString(dir.resolve("mysql-password"), "very-secret-99");
        Path conf = dir.resolve("prod.yaml");
        Files.writeString(conf, Files.readString(CliRun.projectDir().resolve("conf/order_dw.yaml"))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("${env:WEIR_MYSQL_PASSWORD}", "${file:mysql-password}")
                .replace("${env:WEIR_HOLOGRES_ACCESS_ID}", "weir_writer")
                .replace("${env:WEIR_HOLOGRES_ACCESS_KEY}", "${file:mysql-password}")
                .replace("${env:WEIR_SCHEDULER_PASSWORD}", "${file:mysql-password}"));
        CliRun run = CliRun.of("render", "--conf", conf.toString(), "--layer", "ods_orders", "--mode", "stream");
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(run.out().contains("very-secret-99"), run.out());
        assertTrue(run.out().contains("'password' = '******'"), run.out());
        assertTrue(run.out().contains("'hostname' = 'mysql.internal'"), run.out());
    }

    @Test
    void theKafkaExampleRendersItsTopicsWithTheConfsBrokers() throws Exception {
        Path conf = dir.resolve("kafka.yaml");
        Files.writeString(conf, Files.readString(CliRun.projectDir().resolve("conf/order_dw_kafka.yaml"))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("${env:WEIR_SERVING_PASSWORD}", "not-shown-42"));
        CliRun stream = CliRun.of("render", "--conf", conf.toString(), "--layer", "ods_orders", "--mode", "stream");
        assertEquals(0, stream.exitCode(), stream.err());
        assertTrue(stream.out().contains("'properties.bootstrap.servers' = 'kafka-1.internal:9092,kafka-2.internal:9092'"),
                stream.out());
        assertTrue(stream.out().contains("'properties.group.id' = 'weir-order_dw-kafka_orders'"), stream.out());
        assertTrue(stream.out().contains("'scan.startup.mode' = 'earliest-offset'"), stream.out());
        assertTrue(stream.out().contains("'format' = 'debezium-json'"), stream.out());
        assertFalse(stream.out().contains("not-shown-42"), stream.out());
        assertTrue(stream.out().contains("'metastore' = 'hive', 'uri' = 'thrift://metastore.internal:9083'"), stream.out());
        assertTrue(stream.out().contains("'table-default.metastore.partitioned-table' = 'true'"), stream.out());
    }

    @Test
    void badRenderArgumentsAreExitCodeTwo() {
        assertBadInput(CliRun.of("render", "--conf", QUICKSTART, "--layer", "dws_users", "--mode", "batch",
                "--start", "2023-02-16", "--end", "2023-02-15"), "--start 2023-02-16 is after --end 2023-02-15");
        assertBadInput(CliRun.of("render", "--conf", QUICKSTART, "--layer", "dws_users", "--mode", "batch",
                "--start", "2023-02-30"), "--start '2023-02-30' is not a day yyyy-MM-dd");
        assertBadInput(CliRun.of("render", "--conf", QUICKSTART, "--layer", "dws_user", "--mode", "stream"),
                "unknown layer 'dws_user'");
        assertBadInput(CliRun.of("render", "--conf", QUICKSTART, "--layer", "dws_users", "--mode", "sideways"),
                "'sideways' is not a mode: use stream or batch");
        assertBadInput(CliRun.of("render", "--conf", QUICKSTART, "--layer", "dws_users", "--mode", "batch"),
                "--mode batch needs --start");
        assertBadInput(CliRun.of("render", "--conf", dir.resolve("missing.yaml").toString(), "--layer", "x", "--mode", "stream"),
                "pipeline conf not found");
    }

    @Test
    void verifyRefusesBadInputBeforeItComputesAnything() throws Exception {
        Path conf = dir.resolve("empty.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("warehouse")));
        assertBadInput(CliRun.of("verify", "--conf", conf.toString(), "--layer", "nope", "--from", "2023-02-15",
                "--to", "2023-02-15"), "nope");
        assertBadInput(CliRun.of("verify", "--conf", conf.toString(), "--layer", "dws_users", "--from", "2023-02-16",
                "--to", "2023-02-15"), "--from 2023-02-16 is after --to 2023-02-15");
        assertBadInput(CliRun.of("verify", "--conf", conf.toString(), "--layer", "dwd_orders", "--from", "2023-02-15",
                "--to", "2023-02-15", "--serving"), "--serving: table dwd_orders is not served");
        assertBadInput(CliRun.of("verify", "--conf", conf.toString(), "--layer", "dws_users", "--from", "2023-02-15",
                "--to", "2023-02-15"), "table dws_users does not exist yet: run or backfill dws_users first");
    }

    @Test
    void aTemplateNamingAColumnThatDoesNotExistIsRefusedByValidateAndRenderWithTheColumnNamed() throws Exception {
        Path templates = Files.createDirectories(dir.resolve("bad-templates"));
        try (var files = Files.list(CliRun.projectDir().resolve("sql-templates"))) {
            for (Path file : files.toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path dws = templates.resolve("dws_users.sql");
        Files.writeString(dws, Files.readString(dws).replace("SUM(order_fee)", "SUM(order_fees)"));
        Path conf = dir.resolve("bad-column.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + templates)
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("untouched-warehouse")));
        assertBadInput(CliRun.of("validate", "--conf", conf.toString()), "dws_users.sql:17:75: layer 'dws_users' does not plan: Column 'order_fees' not found");
        assertBadInput(CliRun.of("render", "--conf", conf.toString(), "--layer", "dws_users", "--mode", "stream"), "Column 'order_fees' not found");
        assertEquals(0, CliRun.of("render", "--conf", conf.toString(), "--layer", "dws_shops", "--mode", "stream").exitCode(),
                "the other layers still render");
        assertFalse(Files.exists(dir.resolve("untouched-warehouse")), "planning writes nothing to the warehouse");
        // A backfill refuses it before it names a run, and before it looks at the data: no run id that never ran is shown.
        CliRun backfill = CliRun.of("backfill", "--conf", conf.toString(), "--layer", "dws_users", "--from", "2023-02-15",
                "--to", "2023-02-15");
        assertBadInput(backfill, "dws_users.sql:17:75: layer 'dws_users' does not plan: Column 'order_fees' not found");
        assertFalse(backfill.out().contains("run "), backfill.out());
    }

    /**
     * MAX(ds) AS ds, grouped by user only: a range backfill would put every day's totals into the
     * last day and empty the others (and verify, running the same range query, would agree).
     */
    @Test
    void aPartitionColumnFilledByAnAggregateIsRefused() throws Exception {
        Path templates = Files.createDirectories(dir.resolve("aggregate-partition"));
        try (var files = Files.list(CliRun.projectDir().resolve("sql-templates"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path dws = templates.resolve("dws_users.sql");
        String good = Files.readString(dws);
        String bad = good.replace("SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds,",
                "SELECT order_user_id, MAX(DATE_FORMAT(pay_create_time, 'yyyyMMdd')) AS ds,")
                .replace("GROUP BY order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd');", "GROUP BY order_user_id;");
        assertFalse(bad.contains("GROUP BY order_user_id, "), bad);
        Files.writeString(dws, bad);
        Path conf = dir.resolve("aggregate-partition.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + templates)
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("aggregate-partition-warehouse")));
        assertBadInput(CliRun.of("validate", "--conf", conf.toString()), "dws_users.sql: layer 'dws_users' fills its"
                + " partition column ds from an aggregate (MAX(...)), so a row's partition would depend on how many"
                + " partitions one job covers");
        // A stream is refused the same way before it submits anything: no table, no job, no checkpoint.
        CliRun stream = CliRun.of("stream", "--conf", conf.toString(), "--layer", "dws_users");
        assertBadInput(stream, "dws_users.sql: layer 'dws_users' fills its partition column ds from an aggregate (MAX(...))");
        assertFalse(Files.exists(dir.resolve("aggregate-partition-warehouse").resolve("order_dw.db").resolve("dws_users")),
                "the refused layer's table was created");
        // Grouped by its day, the same layer plans.
        Files.writeString(dws, good);
        assertEquals(0, CliRun.of("validate", "--conf", conf.toString()).exitCode());
    }

    @Test
    void aPartitionFormatTheTemplatesDateFormatDoesNotWriteIsRefusedBeforeAnythingRuns() throws Exception {
        String quickstart = Files.readString(Path.of(QUICKSTART));
        String daily = "  - name: dws_users\n    template: dws_users.sql\n    partition: { column: ds, format: yyyyMMdd, granularity: day }";
        assertTrue(quickstart.contains(daily), quickstart);
        Path conf = dir.resolve("format-mismatch.yaml");
        Files.writeString(conf, quickstart.replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace(daily, daily.replace("format: yyyyMMdd", "format: yyyy-MM-dd"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("format-mismatch-warehouse")));
        assertBadInput(CliRun.of("validate", "--conf", conf.toString()), "dws_users.sql: layer 'dws_users' fills its"
                + " partition column ds with DATE_FORMAT(..., 'yyyyMMdd'), which writes '20241103' where the layer's"
                + " partition format 'yyyy-MM-dd' (granularity day) writes '2024-11-03'");
    }

    @Test
    void aLayerReadingAnotherLayersTableItDoesNotListAsUpstreamIsRefused() throws Exception {
        String quickstart = Files.readString(Path.of(QUICKSTART));
        String declared = "    upstream: [dwd_orders]\n    schedule: { cron: '0 10 0 * * ?', allowed-lateness: 5min, start-date: 2023-02-15 }\n"
                + "  - name: dws_shops";
        assertTrue(quickstart.contains(declared), "the quickstart's dws_users lists dwd_orders");
        Path conf = dir.resolve("undeclared-upstream.yaml");
        Files.writeString(conf, quickstart.replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace(declared, declared.replace("upstream: [dwd_orders]", "upstream: [ods_orders]"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("undeclared-upstream-warehouse")));
        String refusal = "dws_users.sql: layer 'dws_users' reads dwd_orders,"
                + " the table of layer 'dwd_orders', but layers[4].upstream [ods_orders] does not list it";
        assertBadInput(CliRun.of("validate", "--conf", conf.toString()), refusal);
        // Refused as well by the scheduler before its first tick (BackfillTest: by a backfill before its first partition).
        assertBadInput(CliRun.of("schedule", "--conf", conf.toString(), "--duration", "1s", "--yes"), refusal);
        assertEquals(0, CliRun.of("runs", "--conf", conf.toString()).out().lines()
                .filter(line -> line.contains("dws_users")).count(), "no run of dws_users was recorded");
    }

    @Test
    void unknownCommandsAndOutOfRangeArgumentsAreExitCodeTwo() {
        assertBadInput(CliRun.of("verifyy", "--help"), "unknown command 'verifyy'");
        assertBadInput(CliRun.of("nosuch"), "unknown command 'nosuch'");
        assertEquals(0, CliRun.of("verify", "--help").exitCode());
        assertBadInput(CliRun.of("backfill", "--conf", QUICKSTART, "--layer", "dws_users", "--from", "2023-02-15",
                "--to", "2023-02-15", "--concurrency", "1000"), "--concurrency must be between 1 and 32, got 1000");
        assertBadInput(CliRun.of("runs", "--conf", QUICKSTART, "--limit", "-1"), "--limit must be at least 1, got -1");
        assertBadInput(CliRun.of("quickstart", "--ui-port", "99999"), "--ui-port must be between 0 and 65535, got 99999");
    }

    /** Reading commands on a new conf create nothing: no warehouse directory appears. */
    @Test
    void runsOnANewConfCreatesNoWarehouse() throws Exception {
        Path conf = dir.resolve("new.yaml");
        Path warehouse = dir.resolve("new-warehouse");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + warehouse));
        CliRun runs = CliRun.of("runs", "--conf", conf.toString());
        assertEquals(0, runs.exitCode(), runs.err());
        assertTrue(runs.out().contains("No runs recorded for pipeline order_dw: no warehouse yet at "), runs.out());
        assertBadInput(CliRun.of("runs", "--conf", conf.toString(), "--run", "r1"), "no run 'r1': pipeline order_dw has no"
                + " warehouse yet");
        assertTrue(!Files.exists(warehouse), "no warehouse created");
    }

    @Test
    void validateComparesATableThatExistsWithItsTemplate() throws Exception {
        Path templates = Files.createDirectories(dir.resolve("retyped-templates"));
        try (var files = Files.list(CliRun.projectDir().resolve("sql-templates"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path conf = dir.resolve("retyped.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + templates)
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("retyped-warehouse")));
        PipelineConf pipeline = io.weir.runner.TestConfs.load(conf);
        try (io.weir.runner.lake.Lake lake = new io.weir.runner.lake.Lake(pipeline)) {
            lake.catalog().createDatabase("order_dw", true);
            lake.catalog().createTable(org.apache.paimon.catalog.Identifier.create("order_dw", "dws_users"),
                    org.apache.paimon.schema.Schema.newBuilder()
                            .column("user_id", org.apache.paimon.types.DataTypes.STRING().notNull())
                            .column("ds", org.apache.paimon.types.DataTypes.STRING().notNull())
                            .column("paied_buy_fee_sum", org.apache.paimon.types.DataTypes.DECIMAL(20, 2).notNull())
                            .primaryKey("user_id", "ds").partitionKeys("ds").option("bucket", "2").build(), false);
        }
        CliRun same = CliRun.of("validate", "--conf", conf.toString());
        assertEquals(0, same.exitCode(), same.out() + same.err());

        Path dws = templates.resolve("dws_users.sql");
        Files.writeString(dws, Files.readString(dws).replace("DECIMAL(20, 2) NOT NULL", "DECIMAL(20, 4) NOT NULL"));
        assertBadInput(CliRun.of("validate", "--conf", conf.toString()), "dws_users.sql:7:3: layer 'dws_users' declares"
                + " column paied_buy_fee_sum as DECIMAL(20, 4), but order_dw.dws_users in the warehouse has it as DECIMAL(20, 2).");
    }

    /** A warehouse on a host that does not resolve: validate says what it could not compare; status names the host. */
    @Test
    void aWarehouseHostThatDoesNotResolveIsNamedWithoutAStackTrace() throws Exception {
        Path conf = dir.resolve("unresolved.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART)).replace("templates: ../sql-templates",
                "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: hdfs://no-such-namenode.invalid:8020/warehouse"));
        CliRun validate = CliRun.of("validate", "--conf", conf.toString());
        assertEquals(0, validate.exitCode(), validate.out() + validate.err());
        assertTrue(validate.out().contains("note: the warehouse's tables were not compared with the templates: cannot reach"
                + " the warehouse hdfs://no-such-namenode.invalid:8020/warehouse (warehouse.uri): UnknownHostException"),
                validate.out());
        CliRun status = CliRun.of("status", "--conf", conf.toString());
        assertEquals(io.weir.runner.WeirException.BAD_INPUT, status.exitCode(), status.out() + status.err());
        assertTrue(status.err().startsWith("weir: cannot resolve host 'no-such-namenode.invalid'") && !status.err().contains("\tat "),
                status.err());
    }

    private static void assertBadInput(CliRun run, String message) {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(message), run.err());
    }

    @Test
    void syncRefusesATableThatIsNotServedAndAReversedRange() {
        CliRun unserved = CliRun.of("sync", "--conf", QUICKSTART, "--table", "dwd_orders", "--from", "2023-02-15", "--to", "2023-02-15");
        assertEquals(2, unserved.exitCode(), unserved.err());
        assertTrue(unserved.err().contains("--table dwd_orders is not served (serving.tables: dws_users, dws_shops in "), unserved.err());
        CliRun reversed = CliRun.of("sync", "--conf", QUICKSTART, "--table", "dws_users", "--from", "2023-02-16", "--to", "2023-02-15");
        assertEquals(2, reversed.exitCode(), reversed.err());
        assertTrue(reversed.err().contains("--from 2023-02-16 is after --to 2023-02-15"), reversed.err());
        // Nothing is built before the pipeline's start: a sync there would empty the serving table's days.
        CliRun early = CliRun.of("sync", "--conf", QUICKSTART, "--table", "dws_users", "--from", "2022-12-30", "--to", "2023-01-02");
        assertBadInput(early, "--from 2022-12-30 is before pipeline.start-date 2023-01-01 of ");
        assertBadInput(CliRun.of("sync", "--conf", QUICKSTART, "--table", "dws_users", "--from", "2022-12-01", "--to",
                "2022-12-02"), "ends before pipeline.start-date 2023-01-01 of ");
    }

    @Test
    void scheduleAndStatusAreListed() {
        CliRun run = CliRun.of("--help");
        for (String command : new String[] {"schedule", "status", "sync"}) {
            assertTrue(run.out().contains(command), run.out());
        }
    }

    @Test
    void statusShowsTablesAndWhatTheScheduledLayersWaitOn() throws Exception {
        Path conf = dir.resolve("status.yaml");
        Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("warehouse")));
        CliRun run = CliRun.of("status", "--conf", conf.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("LAYER") && run.out().contains("WATERMARK") && run.out().contains("NEXT TICK"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("dws_users") && l.contains("20230215")
                && l.contains("not built") && l.contains("dwd_orders partition 20230215: not built (no run in the ledger")),
                run.out());
        assertTrue(run.out().contains("No runs recorded yet."), run.out());
        CliRun json = CliRun.of("status", "--conf", conf.toString(), "--json");
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(json.out().contains("\"waitingOn\" : \"dwd_orders partition 20230215: not built (no run in the ledger,"
                + " and no stream writes it)\""), json.out());
        assertTrue(json.out().contains("\"writtenBy\" : \"NONE\"") && json.out().contains("\"kind\" : \"SCHEDULED\""),
                "states are enums: " + json.out());
        assertTrue(json.out().matches("(?s).*\"nextTick\" : \"\\d{4}-\\d\\d-\\d\\dT00:10:00Z\".*"),
                "times are ISO instants: " + json.out());
        assertTrue(json.out().contains("\"allowedLatenessMs\" : 300000"), "durations are milliseconds: " + json.out());

        // A freshness target: an empty table misses any, which --check turns into exit 1 for a monitor.
        Files.writeString(conf, Files.readString(conf).replace("    template: dws_shops.sql\n",
                "    template: dws_shops.sql\n    freshness: 30s\n"));
        CliRun unchecked = CliRun.of("status", "--conf", conf.toString());
        assertEquals(0, unchecked.exitCode(), unchecked.err());
        assertTrue(unchecked.out().lines().anyMatch(l -> l.startsWith("dws_shops") && l.contains("- MISSED 30s")), unchecked.out());
        CliRun checked = CliRun.of("status", "--conf", conf.toString(), "--check");
        assertEquals(StatusCommand.MISSED_FRESHNESS, checked.exitCode(), checked.out() + checked.err());
        assertEquals("", checked.err(), "a missed target, not a failure");
        assertTrue(checked.out().contains("MISSED 30s"), checked.out());
        Files.writeString(conf, Files.readString(conf).replace("freshness: 30s", "freshness: soon"));
        assertBadInput(CliRun.of("status", "--conf", conf.toString()), "layers[5].freshness");
        Files.writeString(conf, Files.readString(conf).replace("freshness: soon", "freshness: 0s"));
        assertBadInput(CliRun.of("status", "--conf", conf.toString()), "layers[5].freshness: must be a positive duration");
    }

    @Test
    void uiRefusesABadOrTakenPort() throws Exception {
        assertBadInput(CliRun.of("ui", "--conf", QUICKSTART, "--port", "70000"), "--port must be between 0 and 65535");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path conf = dir.resolve("ui.yaml");
            Files.writeString(conf, Files.readString(Path.of(QUICKSTART))
                    .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                    .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("ui-warehouse"))
                    + "ui:\n  port: " + taken.getLocalPort() + "\n");
            assertBadInput(CliRun.of("ui", "--conf", conf.toString(), "--duration", "1s"), "weir ui cannot listen on 127.0.0.1:"
                    + taken.getLocalPort());
            Files.writeString(conf, Files.readString(conf).replace("  port: " + taken.getLocalPort(), "  port: -1"));
            assertBadInput(CliRun.of("ui", "--conf", conf.toString(), "--duration", "1s"), "ui.port: must be between 0 and 65535, got -1");
        }
    }

    @Test
    void aLongCatchUpAsksForYesAndAnEndDateBoundsIt() throws Exception {
        Path conf = dir.resolve("catchup.yaml");
        String text = Files.readString(Path.of(QUICKSTART))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("catchup-warehouse"));
        Files.writeString(conf, text);
        CliRun refused = CliRun.of("schedule", "--conf", conf.toString());
        assertEquals(2, refused.exitCode(), refused.out() + refused.err());
        assertTrue(refused.err().contains("partitions are due to catch up, more than scheduler.max-catch-up 1,000 in "
                + conf), refused.err());
        assertTrue(refused.err().contains("dws_users") && refused.err().contains("(20230215.."), refused.err());
        assertTrue(refused.err().contains("Confirm with --yes, or narrow layers[i].schedule.start-date"), refused.err());
        assertFalse(refused.out().contains("Embedded MariaDB"), "refused before any server starts");

        Path bounded = dir.resolve("bounded.yaml");
        Files.writeString(bounded, text.replace("start-date: 2023-02-15 }", "start-date: 2023-02-15, end-date: 2023-02-20 }"));
        PipelineConf pipeline = new io.weir.runner.conf.PipelineConfLoader().load(bounded);
        try (io.weir.runner.lake.Lake lake = new io.weir.runner.lake.Lake(pipeline.warehouse())) {
            Map<String, List<String>> due = new io.weir.scheduler.SchedulePreview(pipeline, lake,
                    java.time.Clock.systemUTC()).due();
            assertEquals(List.of("20230215", "20230216", "20230217", "20230218", "20230219", "20230220"),
                    due.get("dws_users"), "nothing after the end date is due");
        }
        Files.writeString(bounded, text.replace("start-date: 2023-02-15 }", "start-date: 2023-02-15, end-date: 2023-02-01 }"));
        CliRun before = CliRun.of("validate", "--conf", bounded.toString());
        assertEquals(2, before.exitCode());
        assertTrue(before.err().contains("layers[4].schedule.end-date") && before.err().contains(
                "is before the schedule's start date 2023-02-15"), before.err());
    }
}
