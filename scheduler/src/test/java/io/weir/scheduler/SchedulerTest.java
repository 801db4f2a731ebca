package io.weir.scheduler;

import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.Await;
import io.weir.runner.SampleServing;
import io.weir.runner.SampleSource;
import io.weir.runner.WeirException;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler on real components (MariaDB through CDC into Paimon, Flink batch jobs, Quartz on
 * H2) with batch-built upstream tables: the ledger gates downstream runs, failures retry and block
 * only their own partition downstream, late upstream changes rebuild, missed ticks fire on restart.
 * Partition times are judged by a clock set to early March 2023, where the test data lies.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchedulerTest {

    private static final LocalDate MAR_1 = LocalDate.of(2023, 3, 1);
    private static final LocalDate MAR_4 = LocalDate.of(2023, 3, 4);
    private static final Instant NOW = LocalDate.of(2023, 3, 5).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String EVERY_SECOND = "'0/1 * * * * ?'";

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static FlinkSession session;
    static PipelineConf base;
    static Lake lake;
    static Ledger ledger;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement()) {
            int id = 0;
            for (int day = 1; day <= 4; day++) {
                for (int i = 0; i < 3; i++) {
                    id++;
                    String time = String.format("'2023-03-%02d %02d:00:00'", day, 8 + i);
                    s.execute("INSERT INTO orders VALUES (" + (300000 + id) + ", 'user_00" + (1 + i) + "', 1234" + (5 + i)
                            + ", 1, " + (100 + id) + ".00, " + time + ", " + time + ", 1)");
                    s.execute("INSERT INTO orders_pay VALUES (" + (4000 + id) + ", " + (300000 + id) + ", 1, " + time + ")");
                }
            }
        }
        Files.writeString(dir.resolve("dws_broken.sql"), "CREATE TABLE IF NOT EXISTS dws_broken (user_id STRING NOT NULL,"
                + " ds STRING NOT NULL, n INT, PRIMARY KEY (user_id, ds) NOT ENFORCED) PARTITIONED BY (ds) WITH ('bucket' = '1');\n"
                + "INSERT INTO dws_broken SELECT order_user_id, ds, CAST(order_user_id AS INT) FROM dwd_orders\n"
                + "WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n");
        Files.writeString(dir.resolve("dws_after_broken.sql"), "CREATE TABLE IF NOT EXISTS dws_after_broken (user_id STRING NOT NULL,"
                + " ds STRING NOT NULL, n INT, PRIMARY KEY (user_id, ds) NOT ENFORCED) PARTITIONED BY (ds) WITH ('bucket' = '1');\n"
                + "INSERT INTO dws_after_broken SELECT user_id, ds, n FROM dws_broken\n"
                + "WHERE ds BETWEEN '${start_date}' AND '${end_date}';\n");
        Files.writeString(dir.resolve("ods_orders_hourly.sql"), "CREATE TEMPORARY TABLE mysql_orders (order_id BIGINT NOT NULL,"
                + " user_id STRING, shop_id BIGINT, product_id BIGINT, buy_fee DECIMAL(20, 2), create_time TIMESTAMP(3) NOT NULL,"
                + " update_time TIMESTAMP(3), state INT, PRIMARY KEY (order_id) NOT ENFORCED)"
                + " WITH ('connector' = 'mysql-cdc', 'table-name' = 'orders');\n"
                + "CREATE TABLE IF NOT EXISTS ods_orders_hourly (order_id BIGINT NOT NULL, user_id STRING,"
                + " buy_fee DECIMAL(20, 2), dh STRING NOT NULL, PRIMARY KEY (order_id, dh) NOT ENFORCED)"
                + " PARTITIONED BY (dh) WITH ('bucket' = '1');\n"
                + "INSERT INTO ods_orders_hourly SELECT order_id, user_id, buy_fee, DATE_FORMAT(create_time, 'yyyyMMddHH')"
                + " FROM mysql_orders WHERE DATE_FORMAT(create_time, 'yyyyMMddHH') BETWEEN '${start_date}' AND '${end_date}';\n");
        Files.writeString(dir.resolve("dws_users_hourly.sql"), "CREATE TABLE IF NOT EXISTS dws_users_hourly (user_id STRING NOT NULL,"
                + " dh STRING NOT NULL, fee DECIMAL(20, 2), PRIMARY KEY (user_id, dh) NOT ENFORCED) PARTITIONED BY (dh)"
                + " WITH ('bucket' = '1');\n"
                + "INSERT INTO dws_users_hourly SELECT user_id, dh, SUM(buy_fee) FROM ods_orders_hourly"
                + " WHERE dh BETWEEN '${start_date}' AND '${end_date}' GROUP BY user_id, dh;\n");
        Files.writeString(dir.resolve("dws_users_daily.sql"), "CREATE TABLE IF NOT EXISTS dws_users_daily (user_id STRING NOT NULL,"
                + " ds STRING NOT NULL, fee DECIMAL(20, 2), PRIMARY KEY (user_id, ds) NOT ENFORCED) PARTITIONED BY (ds)"
                + " WITH ('bucket' = '1');\n"
                + "INSERT INTO dws_users_daily SELECT user_id, SUBSTRING(dh, 1, 8), SUM(fee) FROM dws_users_hourly"
                + " WHERE SUBSTRING(dh, 1, 8) BETWEEN '${start_date}' AND '${end_date}' GROUP BY user_id, SUBSTRING(dh, 1, 8);\n");
        base = conf("base", Map.of());
        session = FlinkSession.start(base.flink());
        lake = new Lake(base.warehouse());
        ledger = new Ledger(lake);
        backfill("ods_product_catalog", MAR_1, MAR_4);
        backfill("ods_orders_pay", MAR_1, MAR_4);
        backfill("ods_orders", MAR_1, MAR_4);
        backfill("dwd_orders", MAR_1, LocalDate.of(2023, 3, 2));
    }

    @AfterAll
    static void stop() throws Exception {
        lake.close();
        session.close();
        mariaDb.close();
    }

    @Test
    @Order(1)
    void aBatchBuiltUpstreamGatesItsDownstreamThroughTheLedger() throws Exception {
        PipelineConf conf = conf("gate", Map.of("dws_users", "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01 }"
                + "\n    verify: true"));
        RecordingEvents events = new RecordingEvents();
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clockAt(NOW))) {
            awaitDone("dws_users", "20230301", "20230302");
            assertEquals(mysqlTotals("20230301"), Totals.of(lake, "dws_users", "user_id", "20230301"));
            assertEquals(mysqlTotals("20230302"), Totals.of(lake, "dws_users", "user_id", "20230302"));
            // verify: true recomputes what was built and records the comparison, which status shows.
            Await.until(TIMEOUT, () -> events.lines().stream().anyMatch(l -> l.startsWith("verified dws_users 20230302 true equal (")),
                    () -> events.lines().toString());
            assertTrue(events.lines().stream().filter(l -> l.startsWith("verified ")).allMatch(l -> l.contains(" true equal (")),
                    events.lines().toString());
            StatusReport.Verified verified = new StatusCollector(conf, lake, clockAt(NOW)).collect().tables().stream()
                    .filter(t -> t.layer().equals("dws_users")).findFirst().orElseThrow().verified();
            assertTrue(verified.equal() && verified.equalRows() > 0 && verified.partition().matches("2023030[12]"),
                    verified.toString());

            // dwd_orders has no 20230303 yet: that partition waits, and says why.
            Await.until(TIMEOUT, () -> events.lines().contains(
                    "waiting dws_users 20230303: dwd_orders partition 20230303: not built (no run in the ledger,"
                            + " and no stream writes it)"), () -> events.lines().toString());
            assertTrue(ledger.latest("test", "dws_users", "20230303").isEmpty(), "not run before its upstream is built");
            StatusReport status = new StatusCollector(conf, lake, clockAt(NOW)).collect();
            StatusReport.Waiting waiting = status.waiting().stream()
                    .filter(w -> w.layer().equals("dws_users") && w.partition().equals("20230303")).findFirst().orElseThrow();
            assertEquals("not built", waiting.due());
            assertTrue(waiting.waitingOn().startsWith("dwd_orders partition 20230303: not built"), waiting.waitingOn());
            StatusReport.TableStatus dwd = status.tables().stream().filter(t -> t.table().equals("dwd_orders")).findFirst().orElseThrow();
            assertEquals(StatusReport.WrittenBy.BATCH, dwd.writtenBy());
            assertEquals("20230302", dwd.closedThrough());
            assertEquals(StatusReport.SchedulerState.RUNNING, status.scheduler());

            backfill("dwd_orders", LocalDate.of(2023, 3, 3), LocalDate.of(2023, 3, 3));
            awaitDone("dws_users", "20230303");
            assertEquals(mysqlTotals("20230303"), Totals.of(lake, "dws_users", "user_id", "20230303"));
        }
        assertEquals(StatusReport.SchedulerState.NOT_RUNNING, new StatusCollector(conf, lake, clockAt(NOW)).collect().scheduler());
        assertEquals(1, doneCount("dws_users", "20230301"), "built once");
        assertEquals(1, doneCount("dws_users", "20230303"), "built once");
    }

    @Test
    @Order(2)
    void aFailingLayerRetriesWithBackoffAndBlocksOnlyItsOwnPartitionDownstream() {
        PipelineConf conf = conf("retry", Map.of(
                "dws_broken", "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01 }",
                "dws_after_broken", "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01 }",
                "dws_shops", "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01 }"),
                "  max-attempts: 3\n  retry-backoff: 400ms\n");
        RecordingEvents events = new RecordingEvents();
        Instant marchThird = NOW.minus(Duration.ofDays(2));
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clockAt(marchThird))) {
            Await.until(TIMEOUT, () -> events.lines().contains("failed dws_broken [20230301, 20230302] attempt 3 final"),
                    () -> events.lines().toString());
            List<String> lines = events.lines();
            assertTrue(lines.contains("failed dws_broken [20230301, 20230302] attempt 1 retry in 400ms"), lines.toString());
            assertTrue(lines.contains("failed dws_broken [20230301, 20230302] attempt 2 retry in 800ms"), lines.toString());
            // The first tick's three attempts (later ticks try again, each with its own attempts).
            List<LedgerEntry> failed = ledger.entries().stream()
                    .filter(e -> e.table().equals("dws_broken") && e.partition().equals("20230301")).limit(3).toList();
            assertEquals(3, failed.size(), "three attempts: " + failed);
            assertTrue(failed.stream().allMatch(e -> e.status() == RunStatus.FAILED && e.mode().equals("schedule")));
            assertTrue(failed.get(0).error().contains("NumberFormatException: For input string: 'user_00"), failed.get(0).error());
            Duration firstGap = Duration.between(failed.get(0).finishedAt(), failed.get(1).startedAt());
            Duration secondGap = Duration.between(failed.get(1).finishedAt(), failed.get(2).startedAt());
            assertTrue(firstGap.toMillis() >= 350 && secondGap.toMillis() >= 750, firstGap + " then " + secondGap);
            // Each attempt sealed the partitions for batch before it failed, and gave them back to the
            // stream after: a failed run leaves who writes a partition as it was.
            io.weir.runner.lake.Seals seals = new io.weir.runner.lake.Seals(lake);
            Await.until(TIMEOUT, () -> seals.of("dws_broken").isEmpty(), () -> "still sealed: " + seals.of("dws_broken"));

            // The unrelated layer ran; the failed layer's downstream waits on exactly that partition.
            awaitDone("dws_shops", "20230301", "20230302");
            Await.until(TIMEOUT, () -> events.lines().stream().anyMatch(l -> l.startsWith(
                    "waiting dws_after_broken 20230301: dws_broken partition 20230301: blocked, it failed in run")), () -> events.lines().toString());
            assertTrue(ledger.latest("test", "dws_after_broken", "20230301").isEmpty(), "blocked, never run");
        }
    }

    @Test
    @Order(3)
    void anUpstreamChangeAfterTheBuildSchedulesThePartitionAgain() throws Exception {
        PipelineConf conf = conf("late", Map.of("dws_users", "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01 }"));
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement()) {
            s.execute("UPDATE orders SET buy_fee = buy_fee + 1000 WHERE order_id = 300001");
        }
        Map<String, BigDecimal> before = Totals.of(lake, "dws_users", "user_id", "20230301");
        backfill("ods_orders", MAR_1, MAR_1);
        Instant marchFourth = NOW.minus(Duration.ofDays(1));
        // dwd_orders read the old ods day, and dws_users was built on that dwd day: both need building again.
        List<StatusReport.Waiting> behind = new StatusCollector(base, lake, clockAt(marchFourth)).collect().waiting();
        assertTrue(behind.stream().anyMatch(w -> w.layer().equals("dwd_orders") && w.partition().equals("20230301")
                && w.due().contains("ods_orders")), behind.toString());
        assertTrue(behind.stream().anyMatch(w -> w.layer().equals("dws_users") && w.partition().equals("20230301")
                && w.due().equals("its input dwd_orders partition 20230301 needs building again first")
                && w.waitingOn().equals("its input, first: weir backfill --layer dwd_orders --from 20230301 --to 20230301"
                        + " --cascade")), behind.toString());
        backfill("dwd_orders", MAR_1, MAR_1);
        // Without a schedule no tick will rebuild it: status names the partition and why.
        List<StatusReport.Waiting> unscheduled = new StatusCollector(base, lake, clockAt(marchFourth)).collect().waiting()
                .stream().filter(w -> w.layer().equals("dws_users")).toList();
        assertEquals(List.of("20230301"), unscheduled.stream().map(StatusReport.Waiting::partition).toList(), unscheduled.toString());
        assertTrue(unscheduled.get(0).due().contains("dwd_orders"), unscheduled.toString());
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, ScheduleEvents.NONE, clockAt(marchFourth))) {
            Await.until(TIMEOUT, () -> doneCount("dws_users", "20230301") == 2,
                    () -> ledger.entries().stream().filter(e -> e.table().equals("dws_users")).toList().toString());
        }
        Map<String, BigDecimal> after = Totals.of(lake, "dws_users", "user_id", "20230301");
        assertEquals(mysqlTotals("20230301"), after);
        assertFalse(before.equals(after), "the rebuild took the late change");
        assertEquals(1, doneCount("dws_users", "20230302"), "an unchanged partition is not rebuilt");
        assertEquals(1, doneCount("dws_users", "20230303"), "an unchanged partition is not rebuilt");
    }

    @Test
    @Order(4)
    void aTickMissedWhileTheSchedulerWasDownFiresOnRestartFromAPostgresStoreThatOneSchedulerHolds() throws Exception {
        try (EmbeddedPostgres postgres = SampleServing.start(dir)) {
            missedTickFiresOnRestart(postgres);
            aLostLockSessionIsTakenAgainOrStopsTheScheduler(postgres);
        }
    }

    /**
     * The session holding the store's advisory lock ends under a running scheduler (a server restart,
     * a network cut): it takes the lock again; if another session took it first, it stops firing.
     */
    private void aLostLockSessionIsTakenAgainOrStopsTheScheduler(EmbeddedPostgres postgres) throws Exception {
        PipelineConf conf = conf("lock", Map.of("dws_shops", "{ cron: '0 0 0 1 1 ? 2099', start-date: 2023-03-04,"
                + " end-date: 2023-03-04 }"), postgresStore(postgres));
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, ScheduleEvents.NONE, clockAt(NOW));
                Connection admin = postgres.connect(SampleServing.DATABASE);
                Connection other = java.sql.DriverManager.getConnection(postgres.jdbcUrl(SampleServing.DATABASE), "weir",
                        SampleServing.PASSWORD)) {
            int first = lockHolder(admin).orElseThrow();
            terminate(admin, first);
            Await.until(TIMEOUT, () -> lockHolder(admin).filter(pid -> pid != first).isPresent(),
                    () -> "the lock was not taken again: " + lockHolder(admin));
            assertEquals(Optional.empty(), scheduler.stoppedBecause());

            terminate(admin, lockHolder(admin).orElseThrow());
            try (Statement s = other.createStatement()) {
                s.execute("SET statement_timeout = '20s'");
                s.execute("SELECT pg_advisory_lock(" + new QuartzStore(conf).advisoryKey(other) + ")");
            }
            Await.until(TIMEOUT, () -> scheduler.stoppedBecause().isPresent(), () -> "still firing");
            assertTrue(scheduler.stoppedBecause().get().endsWith("ended, and another `weir schedule` of pipeline test"
                    + " took the store meanwhile: this one stopped firing, so that each tick fires once"),
                    scheduler.stoppedBecause().get());
        }
    }

    private static String postgresStore(EmbeddedPostgres postgres) {
        return "  store: postgresql\n  jdbc-url: jdbc:postgresql://127.0.0.1:" + postgres.port() + "/"
                + SampleServing.DATABASE + "\n  username: weir\n  password: ${env:WEIR_TEST_MYSQL_PASSWORD}\n";
    }

    /** The backend holding an advisory lock in the store's database (one scheduler runs at a time here). */
    private static Optional<Integer> lockHolder(Connection admin) {
        try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SELECT pid FROM pg_locks"
                + " WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database"
                + " WHERE datname = current_database())")) {
            return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void terminate(Connection admin, int pid) throws Exception {
        try (Statement s = admin.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }

    private void missedTickFiresOnRestart(EmbeddedPostgres postgres) throws Exception {
        Instant fireAt = Instant.now().plusSeconds(20).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String oneShot = DateTimeFormatter.ofPattern("s m H d M '?' yyyy").withZone(ZoneOffset.UTC).format(fireAt);
        PipelineConf conf = conf("misfire", Map.of("dws_shops", "{ cron: '" + oneShot + "', start-date: 2023-03-01 }"),
                postgresStore(postgres));
        RecordingEvents events = new RecordingEvents();
        // The first start catches up at once; dwd_orders 20230304 is not built, so that partition waits.
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clockAt(NOW))) {
            Await.until(TIMEOUT, () -> events.lines().stream().anyMatch(l -> l.startsWith("waiting dws_shops 20230304")),
                    () -> events.lines().toString());
            // Quartz's tables on PostgreSQL are shared by name: a second scheduler there would fire every tick again.
            WeirException refused = assertThrows(WeirException.class,
                    () -> WeirScheduler.start(conf, session, lake, ScheduleEvents.NONE, clockAt(NOW)));
            assertEquals(2, refused.exitCode());
            assertTrue(refused.getMessage().startsWith("another `weir schedule` of pipeline test runs on the scheduler"
                    + " store scheduler.jdbc-url jdbc:postgresql://127.0.0.1:" + postgres.port()), refused.getMessage());
            assertEquals(Optional.of(true), new QuartzStore(conf).lockedInStore(), "pg_locks shows the advisory lock");
        }
        assertEquals(Optional.of(false), new QuartzStore(conf).lockedInStore(), "closing the scheduler frees its store");
        assertTrue(Instant.now().isBefore(fireAt), "the first scheduler stopped before the fire time, so it is missed");
        backfill("dwd_orders", MAR_4, MAR_4);
        Await.until(Duration.ofSeconds(30), () -> Instant.now().isAfter(fireAt.plusSeconds(1)), () -> "fire time passed");
        assertTrue(ledger.latest("test", "dws_shops", "20230304").isEmpty(), "nothing ran while the scheduler was down");

        // Restarted after its only fire time: the stored trigger misfired and fires once now.
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, ScheduleEvents.NONE, clockAt(NOW))) {
            awaitDone("dws_shops", "20230304");
        }
        assertEquals(mysqlShopTotals("20230304"), Totals.of(lake, "dws_shops", "shop_id", "20230304"));
    }

    @Test
    @Order(5)
    void hourlyAndDailyLayersTickTogetherAndALateHourRebuildsThatHourAndItsDayOnly() throws Exception {
        backfill("ods_orders_hourly", MAR_1, MAR_4);
        String schedule = "{ cron: " + EVERY_SECOND + ", start-date: 2023-03-01, end-date: 2023-03-04 }";
        PipelineConf conf = conf("hourly", Map.of("dws_users_hourly", schedule, "dws_users_daily", schedule,
                "dws_users", schedule, "dws_shops", schedule));
        RecordingEvents events = new RecordingEvents();
        List<String> hours = new ArrayList<>();
        for (LocalDate day = MAR_1; !day.isAfter(MAR_4); day = day.plusDays(1)) {
            for (int h = 0; h < 24; h++) {
                hours.add(day.toString().replace("-", "") + String.format("%02d", h));
            }
        }
        List<String> days = List.of("20230301", "20230302", "20230303", "20230304");
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clockAt(NOW))) {
            awaitDone("dws_users_hourly", hours.toArray(String[]::new));
            awaitDone("dws_users_daily", days.toArray(String[]::new));
        }
        assertTrue(events.lines().stream().noneMatch(l -> l.startsWith("tick failed") || l.startsWith("failed")),
                "no tick and no job failed: " + events.lines());
        // The empty hours before the first orders cost no job; from the first hour with data on, every
        // hour runs, since a template may read further back than its lookback says.
        java.util.TreeSet<String> withData = new java.util.TreeSet<>(lake.partitionsLastWritten("ods_orders_hourly").keySet());
        withData.retainAll(hours);
        assertEquals("2023030108", withData.first(), "the first orders: " + withData);
        java.util.Set<String> before = new java.util.TreeSet<>(hours.stream().filter(h -> h.compareTo("2023030108") < 0).toList());
        java.util.Set<String> from = new java.util.TreeSet<>(hours.stream().filter(h -> h.compareTo("2023030108") >= 0).toList());
        assertEquals(before, partitionsIn(events, "skipped dws_users_hourly "), events.lines().toString());
        assertEquals(from, partitionsIn(events, "submitted dws_users_hourly "), events.lines().toString());
        assertTrue(lake.rowsOfPartitions("dws_users_hourly", List.copyOf(before)).isEmpty());
        LedgerEntry recordedEmpty = ledger.latest("test", "dws_users_hourly", "2023030102").orElseThrow();
        io.weir.backfill.UpstreamRead.WrittenPartition leftEmpty = io.weir.backfill.UpstreamRead.written(recordedEmpty)
                .orElseThrow(() -> new AssertionError("no $written: " + recordedEmpty.upstream()));
        assertEquals(io.weir.runner.lake.PartitionFiles.NONE, leftEmpty.digest(), recordedEmpty.upstream());
        for (String upstream : conf.layer("dws_users_hourly").upstream()) {
            assertTrue(io.weir.backfill.UpstreamRead.snapshot(recordedEmpty, upstream).orElseThrow().timeKnown(),
                    "the read snapshot's commit time identifies it across a rollback: " + recordedEmpty.upstream());
        }

        // A late change to the order of 2023-03-01 09:00 reaches the hourly ODS partition of that hour only,
        // and a late order lands in 03:00, an hour that was recorded empty without a job.
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement()) {
            s.execute("UPDATE orders SET buy_fee = buy_fee + 1000 WHERE order_id = 300002");
            s.execute("INSERT INTO orders VALUES (309001, 'user_009', 12345, 1, 9.00, '2023-03-01 03:30:00',"
                    + " '2023-03-01 03:30:00', 1)");
        }
        LayerConf odsHourly = base.layer("ods_orders_hourly");
        backfill("ods_orders_hourly", io.weir.runner.conf.PartitionRange.parse(odsHourly, "--from", "2023030109", "--to", "2023030109"));
        backfill("ods_orders_hourly", io.weir.runner.conf.PartitionRange.parse(odsHourly, "--from", "2023030103", "--to", "2023030103"));
        // A backfill without --force plans what the scheduler finds due (one planner): the two hours
        // whose input changed; no day yet, since no hour it reads has been rebuilt.
        assertEquals(List.of("2023030103", "2023030109"), plannedWithoutForce("dws_users_hourly"));
        assertEquals(List.of(), plannedWithoutForce("dws_users_daily"));
        // Nor may the day run before those hours are rebuilt: it would read what is about to change.
        LayerConf dailyLayer = conf.layer("dws_users_daily");
        assertEquals(List.of("dws_users_hourly partition 2023030103: due for its schedule's rebuild (late data:"
                + " ods_orders_hourly partition 2023030103 changed after the build)"),
                readiness(conf).check(dailyLayer, dailyLayer.partition().orElseThrow().named("20230301")).waitingOn());
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clockAt(NOW))) {
            Await.until(TIMEOUT, () -> doneCount("dws_users_hourly", "2023030109") == 2
                            && doneCount("dws_users_hourly", "2023030103") == 2
                            && doneCount("dws_users_daily", "20230301") == 2,
                    () -> events.lines().subList(Math.max(0, events.lines().size() - 10), events.lines().size()).toString());
        }
        assertEquals(1, lake.rowsOfPartitions("dws_users_hourly", List.of("2023030103")).size(),
                "the skipped hour was built once its input had data");
        for (String hour : hours) {
            assertEquals(hour.equals("2023030109") || hour.equals("2023030103") ? 2 : 1, doneCount("dws_users_hourly", hour),
                    "hour " + hour);
        }
        for (String day : days) {
            assertEquals(day.equals("20230301") ? 2 : 1, doneCount("dws_users_daily", day), "day " + day);
        }
        Map<String, BigDecimal> daily = new TreeMap<>();
        lake.rowsOfPartitions("dws_users_daily", List.of("20230301"))
                .forEach(r -> daily.put((String) r.get("user_id"), (BigDecimal) r.get("fee")));
        assertEquals(mysqlByCreateDay("20230301"), daily, "the day took the late change");
        assertTrue(events.lines().stream().noneMatch(l -> l.startsWith("tick failed")), events.lines().toString());

        // Readiness goes by what each hour's build left in its partition, not by file times: a write
        // that no build recorded holds the day back; a compaction alone does not.
        LayerConf day = conf.layer("dws_users_daily");
        io.weir.runner.conf.Partition mar2 = day.partition().orElseThrow().named("20230302");
        assertEquals(List.of(), readiness(conf).check(day, mar2).waitingOn());
        String hour = lake.partitionsLastWritten("dws_users_hourly").keySet().stream()
                .filter(h -> h.startsWith("20230302")).findFirst().orElseThrow();
        LedgerEntry hourBuild = ledger.latest("test", "dws_users_hourly", hour).orElseThrow();
        assertTrue(io.weir.backfill.UpstreamRead.written(hourBuild).isPresent(), hourBuild.upstream());
        io.weir.runner.LakeWrites.writeBackOneRow(lake, "dws_users_hourly", hour);
        assertEquals(List.of("dws_users_hourly partition " + hour + ": written after its build in run "
                + hourBuild.runId() + "; waiting for its rebuild"), readiness(conf).check(day, mar2).waitingOn());

        LayerConf hourly = conf.layer("dws_users_hourly");
        io.weir.runner.lake.SnapshotMark snapshot = lake.latestMark("dws_users_hourly").orElseThrow();
        String asBuilt = io.weir.backfill.UpstreamRead.now(conf, lake, hourly, List.of(hourly.partition().orElseThrow().named(hour)))
                .withWritten(snapshot, lake.partitionFiles("dws_users_hourly", snapshot.id(), List.of(hour))).json(hour);
        ledger.record(List.of(hourBuild.withUpstream(asBuilt)));
        String digest = lake.partitionFiles("dws_users_hourly").get(hour).digest();
        io.weir.runner.LakeWrites.compact(lake, "dws_users_hourly", hour);
        assertNotEquals(digest, lake.partitionFiles("dws_users_hourly").get(hour).digest(), "the compaction wrote new files");
        assertEquals(List.of(), readiness(conf).check(day, mar2).waitingOn(), "a compaction changes no row");

        // An hour recorded empty without a job is judged by what that record says it left: no file.
        io.weir.runner.conf.Partition mar1 = day.partition().orElseThrow().named("20230301");
        assertEquals(List.of(), readiness(conf).check(day, mar1).waitingOn());
        io.weir.runner.LakeWrites.copyOneRow(lake, "dws_users_hourly", "2023030109", "2023030102");
        assertEquals(List.of("dws_users_hourly partition 2023030102: written after its build in run "
                + recordedEmpty.runId() + "; waiting for its rebuild"), readiness(conf).check(day, mar1).waitingOn());
    }

    private static Readiness readiness(PipelineConf conf) {
        Clock clock = clockAt(NOW);
        LakeState lakeState = new LakeState(lake);
        LedgerState ledgerState = new LedgerState(ledger, conf.name()).refresh();
        return new Readiness(conf, lakeState, ledgerState, Readiness.closing(conf, lake, clock), clock,
                new DuePartitions(conf, lake, lakeState, ledgerState));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Every partition named by the events starting with {@code prefix} ("submitted layer [a, b] ..."). */
    private static java.util.Set<String> partitionsIn(RecordingEvents events, String prefix) {
        java.util.Set<String> partitions = new java.util.TreeSet<>();
        for (String line : events.lines()) {
            if (line.startsWith(prefix)) {
                partitions.addAll(List.of(line.substring(line.indexOf('[') + 1, line.indexOf(']')).split(", ")));
            }
        }
        return partitions;
    }

    private static PipelineConf conf(String name, Map<String, String> schedules) {
        return conf(name, schedules, "");
    }

    private static PipelineConf conf(String name, Map<String, String> schedules, String moreScheduler) {
        String layers = TestConfs.exampleLayers()
                + "  - name: dws_broken\n    template: " + dir.resolve("dws_broken.sql") + "\n"
                + "    partition: { column: ds }\n    upstream: [dwd_orders]\n"
                + "  - name: dws_after_broken\n    template: " + dir.resolve("dws_after_broken.sql") + "\n"
                + "    partition: { column: ds }\n    upstream: [dws_broken]\n"
                + "  - name: ods_orders_hourly\n    template: " + dir.resolve("ods_orders_hourly.sql") + "\n"
                + "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n"
                + "  - name: dws_users_hourly\n    template: " + dir.resolve("dws_users_hourly.sql") + "\n"
                + "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n    upstream: [ods_orders_hourly]\n"
                + "  - name: dws_users_daily\n    template: " + dir.resolve("dws_users_daily.sql") + "\n"
                + "    partition: { column: ds }\n    upstream: [dws_users_hourly]\n";
        for (Map.Entry<String, String> schedule : schedules.entrySet()) {
            String template = "    template: " + (Files.exists(dir.resolve(schedule.getKey() + ".sql"))
                    ? dir.resolve(schedule.getKey() + ".sql").toString() : schedule.getKey() + ".sql") + "\n";
            layers = layers.replace(template, template + "    schedule: " + schedule.getValue() + "\n");
        }
        String sections = TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                + "scheduler:\n  dir: " + dir.resolve("scheduler-" + name) + "\n  poll-interval: 200ms\n"
                + "  wait-timeout: 1h\n  batch-size: 31\n" + moreScheduler;
        return TestConfs.load(TestConfs.write(dir.resolve(name), sections, layers));
    }

    /** A clock that reads {@code at} now and runs on from there. */
    static Clock clockAt(Instant at) {
        return Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), at));
    }

    private static void backfill(String layer, LocalDate from, LocalDate to) {
        backfill(layer, io.weir.runner.conf.PartitionRange.ofDays(from, to));
    }

    private static void backfill(String layer, io.weir.runner.conf.PartitionRange range) {
        Renderer renderer = new Renderer(base);
        var plan = new BackfillPlanner(base, renderer, lake, ledger)
                .plan(new BackfillRequest(layer, range, false, 31, 1, true, true));
        var result = new BackfillRunner(base, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
    }

    /** The partitions a backfill of the layer over March 1-4 plans without --force. */
    private static List<String> plannedWithoutForce(String layer) {
        var plan = new BackfillPlanner(base, new Renderer(base), lake, ledger)
                .plan(new BackfillRequest(layer, io.weir.runner.conf.PartitionRange.ofDays(MAR_1, MAR_4), false, 1, 1,
                        false, true));
        return plan.layers().get(0).chunks().stream().flatMap(c -> c.partitionValues().stream()).toList();
    }

    private static void awaitDone(String table, String... partitions) {
        Await.until(TIMEOUT, () -> {
            for (String p : partitions) {
                if (ledger.latest("test", table, p).map(e -> e.status() != RunStatus.DONE).orElse(true)) {
                    return false;
                }
            }
            return true;
        }, () -> ledger.entries().stream().filter(e -> e.table().equals(table)).toList().toString());
    }

    private static long doneCount(String table, String partition) {
        return ledger.entries().stream().filter(e -> e.table().equals(table) && e.partition().equals(partition)
                && e.status() == RunStatus.DONE).count();
    }

    /** Fees per user of the orders created on that day. */
    private static Map<String, BigDecimal> mysqlByCreateDay(String ds) throws Exception {
        Map<String, BigDecimal> totals = new TreeMap<>();
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id, SUM(buy_fee) FROM orders"
                        + " WHERE DATE_FORMAT(create_time, '%Y%m%d') = '" + ds + "' GROUP BY 1")) {
            while (rs.next()) {
                totals.put(rs.getString(1), rs.getBigDecimal(2));
            }
        }
        return totals;
    }

    private static Map<String, BigDecimal> mysqlTotals(String ds) throws Exception {
        return mysql("o.user_id", ds);
    }

    private static Map<String, BigDecimal> mysqlShopTotals(String ds) throws Exception {
        return mysql("o.shop_id", ds);
    }

    private static Map<String, BigDecimal> mysql(String key, String ds) throws Exception {
        Map<String, BigDecimal> totals = new TreeMap<>();
        try (Connection c = mariaDb.connect(SampleSource.DATABASE); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + key + ", SUM(o.buy_fee) FROM orders o JOIN orders_pay p"
                        + " ON o.order_id = p.order_id WHERE DATE_FORMAT(p.create_time, '%Y%m%d') = '" + ds + "' GROUP BY 1")) {
            while (rs.next()) {
                totals.put(rs.getString(1), rs.getBigDecimal(2));
            }
        }
        return totals;
    }
}
