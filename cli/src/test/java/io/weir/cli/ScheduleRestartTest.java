package io.weir.cli;

import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.scheduler.StatusCollector;
import io.weir.scheduler.StatusReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of {@code weir schedule} in the middle of a catch-up, then a restart: every partition
 * ends built exactly once, the run the kill interrupted is resolved and rebuilt, and nothing is
 * lost. The data lies in the twelve days before today, so the real clock decides what is due.
 */
class ScheduleRestartTest {

    private static final int DAYS = 12;
    private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
    private static final LocalDate FROM = TODAY.minusDays(DAYS);
    private static final LocalDate TO = TODAY.minusDays(1);

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static PipelineConf conf;
    static Path confFile;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement()) {
            int id = 0;
            for (LocalDate day = FROM; !day.isAfter(TO); day = day.plusDays(1)) {
                for (int i = 0; i < 2; i++) {
                    id++;
                    String time = "'" + day + " 1" + i + ":00:00'";
                    s.execute("INSERT INTO orders VALUES (" + (500000 + id) + ", 'user_00" + (1 + i) + "', 12345, 1, "
                            + (10 + id) + ".00, " + time + ", " + time + ", 1)");
                    s.execute("INSERT INTO orders_pay VALUES (" + (6000 + id) + ", " + (500000 + id) + ", 1, " + time + ")");
                }
            }
        }
        String layers = TestConfs.exampleLayers().replace("    template: dws_users.sql\n",
                "    template: dws_users.sql\n    schedule: { cron: '0/2 * * * * ?', start-date: " + FROM + " }\n");
        String sections = TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                + "scheduler:\n  dir: " + dir.resolve("scheduler") + "\n  poll-interval: 500ms\n  batch-size: 1\n";
        confFile = TestConfs.write(dir, sections, layers);
        conf = TestConfs.load(confFile);
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf.warehouse())) {
            for (String layer : List.of("ods_product_catalog", "ods_orders_pay", "ods_orders", "dwd_orders")) {
                Renderer renderer = new Renderer(conf);
                Ledger ledger = new Ledger(lake);
                var plan = new BackfillPlanner(conf, renderer, lake, ledger)
                        .plan(new BackfillRequest(layer, FROM, TO, false, 31, 1, true, true));
                assertTrue(new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE)
                        .succeeded(), layer);
            }
        }
    }

    @AfterAll
    static void stop() {
        mariaDb.close();
    }

    @Test
    void killedSchedulerRestartsWithNothingLostAndNothingTwice() throws Exception {
        Path log = dir.resolve("schedule.log");
        Process first = ChildWeir.start(log, "schedule", "--conf", confFile.toString());
        try (Lake lake = new Lake(conf.warehouse())) {
            Ledger ledger = new Ledger(lake);
            Await.until(Duration.ofMinutes(3), () -> {
                assertTrue(first.isAlive(), "scheduler ended early: " + read(log));
                return done(ledger).size() >= 3;
            }, () -> read(log));
            first.destroyForcibly();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            int doneAtKill = done(ledger).size();
            assertTrue(doneAtKill < DAYS, "killed in the middle of the catch-up (" + doneAtKill + " done)");

            Process second = ChildWeir.start(log, "schedule", "--conf", confFile.toString());
            try {
                Await.until(Duration.ofMinutes(4), () -> {
                    assertTrue(second.isAlive(), "scheduler ended early: " + read(log));
                    return done(ledger).size() == DAYS;
                }, () -> read(log));
                // A third on the same store is refused at once, saying why.
                Path third = dir.resolve("schedule-third.log");
                assertEquals(2, ChildWeir.run(third, Duration.ofMinutes(2), "schedule", "--conf", confFile.toString(),
                        "--duration", "1min"), read(third));
                assertTrue(read(third).contains("another `weir schedule` of pipeline test runs on the scheduler store"),
                        read(third));
                // Status, in another process, sees the scheduler by its lock on the store.
                assertEquals(StatusReport.SchedulerState.RUNNING, new StatusCollector(conf, lake, java.time.Clock.systemUTC()).collect().scheduler());
            } finally {
                second.destroy();
                assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            }
            assertEquals(StatusReport.SchedulerState.NOT_RUNNING, new StatusCollector(conf, lake, java.time.Clock.systemUTC()).collect().scheduler());

            List<LedgerEntry> entries = ledger.entries().stream().filter(e -> e.table().equals("dws_users")).toList();
            for (LocalDate day = FROM; !day.isAfter(TO); day = day.plusDays(1)) {
                String ds = day.toString().replace("-", "");
                List<LedgerEntry> ofDay = entries.stream().filter(e -> e.partition().equals(ds)).toList();
                assertEquals(1, ofDay.stream().filter(e -> e.status() == RunStatus.DONE).count(),
                        ds + " built exactly once: " + ofDay);
                assertEquals(RunStatus.DONE, ofDay.get(ofDay.size() - 1).status(), ds + " ends built: " + ofDay);
                assertTrue(ofDay.stream().filter(e -> e.status() != RunStatus.DONE).allMatch(e -> e.status() == RunStatus.FAILED
                        && e.error().startsWith("interrupted")), "only an interrupted run before the build: " + ofDay);
                assertEquals(mysqlTotals(ds), Totals.of(lake, "dws_users", "user_id", ds), ds);
            }
            assertTrue(entries.stream().noneMatch(e -> e.status() == RunStatus.RUNNING), "nothing left running: " + entries);
            assertTrue(entries.stream().allMatch(e -> e.mode().equals("schedule")), "every run was the scheduler's");
        }
        String output = read(log);
        assertTrue(output.contains("Scheduling 1 layer(s) of test"), output);
        assertTrue(output.contains(": done, "), output);
        assertTrue(java.util.regex.Pattern.compile("; catch-up \\d+ of \\d+").matcher(output).find(),
                "catch-up progress: " + output);
    }

    private static java.util.Set<String> done(Ledger ledger) {
        java.util.Set<String> done = new java.util.TreeSet<>();
        ledger.latestByPartition("test", "dws_users").forEach((p, e) -> {
            if (e.status() == RunStatus.DONE) {
                done.add(p);
            }
        });
        return done;
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static Map<String, BigDecimal> mysqlTotals(String ds) throws Exception {
        return SampleSource.userTotalsByPayDay(mariaDb).getOrDefault(ds, Map.of());
    }
}
