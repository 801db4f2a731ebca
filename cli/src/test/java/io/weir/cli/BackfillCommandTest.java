package io.weir.cli;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.Chunk;
import io.weir.backfill.LayerPlan;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.LayerState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** weir backfill and weir runs on an empty warehouse: plans, dry runs and rejected input. */
class BackfillCommandTest {

    @TempDir Path dir;
    Path conf;

    @BeforeEach
    void writeConf() throws Exception {
        conf = dir.resolve("pipeline.yaml");
        Files.writeString(conf, Files.readString(CliRun.projectDir().resolve("conf/quickstart.yaml"))
                .replace("templates: ../sql-templates", "templates: " + CliRun.projectDir().resolve("sql-templates"))
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + dir.resolve("warehouse"))
                .replace("state-dir: ../.weir/quickstart/state", "state-dir: " + dir.resolve("state")));
    }

    @Test
    void dryRunPrintsThePlanAndItsSqlAndWritesNothing() {
        CliRun run = CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2023-02-14", "--to", "2023-02-16", "--batch-size", "2", "--dry-run");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ods_orders: 3 partition(s) in 2 job(s)"), run.out());
        assertTrue(run.out().contains("-- job: ods_orders 20230214..20230215"), run.out());
        assertTrue(run.out().contains("-- job: ods_orders 20230216"), run.out());
        assertTrue(run.out().contains("INSERT OVERWRITE ods_orders"), run.out());
        assertTrue(run.out().contains("Dry run: nothing written, nothing recorded."), run.out());
        assertFalse(Files.exists(dir.resolve("warehouse/weir.db")), "no ledger, no staging table");
        assertFalse(Files.exists(dir.resolve("warehouse/order_dw.db/ods_orders")), "no table created");
    }

    @Test
    void badInputIsExitCodeTwo() {
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "dws_users",
                "--from", "2023-02-15", "--to", "2023-02-15"), "upstream table dwd_orders holds no data yet");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2023-02-16", "--to", "2023-02-15"), "--from 2023-02-16 is after --to 2023-02-15");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2023-02-30", "--to", "2023-03-01"), "--from '2023-02-30' is not a day yyyy-MM-dd or a partition value of layer 'ods_orders'");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "dws_users",
                "--from", "2023-02-15 05:00", "--to", "2023-02-15"), "--from '2023-02-15 05:00' names an hour, but layer"
                        + " 'dws_users' has daily partitions: give a day yyyy-MM-dd or a partition value like 20240302");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2022-01-01", "--to", "2022-01-31"), "ends before pipeline.start-date 2023-01-01");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "1900-01-01", "--to", "2023-01-31"), "--from 1900-01-01 is before pipeline.start-date 2023-01-01");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders",
                "--from", "2023-01-01", "--to", "2060-01-01"), "holds 13515 partitions of layer 'ods_orders'; one"
                        + " command handles at most 10000: split the range");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "nope",
                "--from", "2023-02-15", "--to", "2023-02-15"), "unknown layer 'nope'");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--retry", "20990101-000000-beef"),
                "no run '20990101-000000-beef' in the ledger");
        assertBadInput(CliRun.of("backfill", "--conf", conf.toString(), "--layer", "ods_orders"), "Missing required");
        assertFalse(Files.exists(dir.resolve("warehouse/weir.db")), "nothing recorded");
    }

    @Test
    void runsOnAnEmptyLedger() {
        CliRun run = CliRun.of("runs", "--conf", conf.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("No runs recorded for pipeline order_dw"), run.out());
        CliRun json = CliRun.of("runs", "--conf", conf.toString(), "--json");
        assertEquals("[ ]", json.out().trim());
    }

    @Test
    void namesTheUnscheduledLayersWhoseStreamNeverReadsWhatItRebuilt() {
        PipelineConf pipeline = TestConfs.load(conf);
        BackfillPlan ods = plan(pipeline, "ods_orders");
        assertEquals(List.of(), BackfillCommand.streamsThatMissTheRebuild(ods, pipeline), "no stream has run");

        Instant started = Instant.parse("2023-02-15T00:00:00Z");
        new LayerState(pipeline, pipeline.layer("dwd_orders")).recordFreshStart(started);
        new LayerState(pipeline, pipeline.layer("dws_users")).recordFreshStart(started);
        assertEquals(List.of("dwd_orders"), BackfillCommand.streamsThatMissTheRebuild(ods, pipeline));
        assertEquals(List.of(), BackfillCommand.streamsThatMissTheRebuild(plan(pipeline, "dwd_orders"), pipeline),
                "dws_users and dws_shops have schedules, which rebuild what an input's rebuild changed");
        assertEquals(List.of(), BackfillCommand.streamsThatMissTheRebuild(plan(pipeline, "ods_orders", "dwd_orders"), pipeline),
                "a cascade rebuilds it in the same run");
    }

    /** A plan that rebuilds 20230215 of each layer. */
    private static BackfillPlan plan(PipelineConf pipeline, String... layers) {
        List<LayerPlan> plans = new java.util.ArrayList<>();
        for (String name : layers) {
            LayerConf layer = pipeline.layer(name);
            Chunk chunk = new Chunk(layer, List.of(layer.partition().orElseThrow().named("20230215")), null);
            plans.add(new LayerPlan(layer, "hash", List.of(chunk), List.of(), List.of()));
        }
        LocalDate day = LocalDate.of(2023, 2, 15);
        return new BackfillPlan("20230215-000000-test", "backfill", day, day, plans, null);
    }

    private static void assertBadInput(CliRun run, String message) {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(message), run.err());
    }
}
