package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.backfill.RunStatus;
import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.sandbox.EmbeddedMariaDb;
import org.apache.paimon.Snapshot;
import org.apache.paimon.utils.SnapshotManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real stream (MariaDB through CDC into ods and dwd tables) writes watermarks into Paimon
 * snapshots; the scheduled dws_users run for a day starts once dwd_orders' watermark passes the
 * day's end, within one poll interval, and not before. A quiet source cannot stall a day forever.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatermarkGateTest {

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final long FEB_16 = LocalDateTime.of(2023, 2, 16, 0, 0).toInstant(ZoneOffset.UTC).toEpochMilli();

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static FlinkSession session;
    static Lake lake;
    static Ledger ledger;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        PipelineConf conf = conf("stream", "0s");
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
        ledger = new Ledger(lake);
        stream = new StreamRunner(conf, session).start(conf.layers().stream()
                .filter(l -> !l.name().startsWith("dws")).toList(), false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stream != null) {
            stream.cancel();
        }
        lake.close();
        session.close();
        mariaDb.close();
    }

    @Test
    @Order(1)
    void theDownstreamRunStartsWithinAPollIntervalAfterTheWatermarkPassesTheEndAndNotBefore() throws Exception {
        PipelineConf conf = conf("gate", "0s");
        RecordingEvents events = new RecordingEvents();
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, SchedulerTest.clockAt(
                Instant.parse("2023-02-16T12:00:00Z")))) {
            // The seed rows end on 2023-02-15 18:40:56: the watermark stays inside the day.
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                return lake.tableExists("dwd_orders") && lake.watermark("dwd_orders").isPresent()
                        && events.lines().stream().anyMatch(l -> l.startsWith("waiting dws_users 20230215: dwd_orders: watermark 2023-02-15 "));
            }, () -> events.lines().toString());
            assertTrue(events.lines().stream().anyMatch(l -> l.endsWith(
                    "has not reached 2023-02-16 00:00:00 (partition end + allowed lateness PT0S)")), events.lines().toString());
            assertTrue(ledger.latest("test", "dws_users", "20230215").isEmpty(), "not run while the day is open");
            assertTrue(events.submittedAt().isEmpty());

            SampleSource.execute(mariaDb,
                    "INSERT INTO orders VALUES (100040, 'user_001', 12345, 1, 10.00, '2023-02-16 01:00:00', '2023-02-16 01:00:00', 1)",
                    "INSERT INTO orders_pay VALUES (2040, 100040, 1, '2023-02-16 01:00:00')");
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                return ledger.latest("test", "dws_users", "20230215").map(e -> e.status() == RunStatus.DONE).orElse(false);
            }, () -> events.lines().toString());

            Instant passed = Instant.ofEpochMilli(firstSnapshotPassing("dwd_orders", FEB_16).orElseThrow().timeMillis());
            Instant submitted = events.submittedAt().get(0);
            assertFalse(submitted.isBefore(passed), "submitted " + submitted + " before the watermark passed at " + passed);
            Duration latency = Duration.between(passed, submitted);
            // The bound leaves room for the first run's sealing (planning the stream form) on a loaded machine.
            assertTrue(latency.compareTo(POLL.plusSeconds(10)) <= 0, "submitted " + latency + " after the watermark passed");
            assertEquals(Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"),
                    Totals.of(lake, "dws_users", "user_id", "20230215"));
        }
        // The next test's day holds payment 2040: the orders input alone may have moved the watermark.
        Await.until(TIMEOUT, () -> lake.rows("dwd_orders").stream().anyMatch(r -> Long.valueOf(100040).equals(r.get("order_id"))
                && Long.valueOf(2040).equals(r.get("pay_id"))), () -> "dwd_orders lacks payment 2040");
    }

    @Test
    @Order(2)
    void aQuietSourceClosesTheDayAfterTheIdleTimeout() {
        // The watermark now rests at 2023-02-16 00:59:55 with nothing more to read: 20230216 would never close.
        PipelineConf conf = conf("idle", "3s");
        RecordingEvents events = new RecordingEvents();
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, SchedulerTest.clockAt(
                Instant.parse("2023-02-17T00:00:30Z")))) {
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                return ledger.latest("test", "dws_users", "20230216").map(e -> e.status() == RunStatus.DONE).orElse(false);
            }, () -> events.lines() + " " + closings(conf, "dwd_orders", "ods_orders", "ods_orders_pay"));
        }
        assertTrue(lake.watermark("dwd_orders").orElseThrow() < FEB_16 + Duration.ofDays(1).toMillis(),
                "the watermark never passed the day's end");
        assertEquals(Totals.expected("user_001", "10.00"), Totals.of(lake, "dws_users", "user_id", "20230216"));
    }

    private static String closings(PipelineConf conf, String... tables) {
        io.weir.runner.lake.Closing closing = new io.weir.runner.lake.Closing(conf, lake,
                SchedulerTest.clockAt(Instant.parse("2023-02-17T00:00:30Z")));
        StringBuilder text = new StringBuilder();
        for (String table : tables) {
            text.append(table).append(": ").append(closing.of(table).state()).append("; latest snapshot ")
                    .append(lake.table(table).snapshotManager().latestSnapshot()).append("\n");
        }
        return text.toString();
    }

    private static Optional<Snapshot> firstSnapshotPassing(String table, long watermark) {
        SnapshotManager snapshots = lake.table(table).snapshotManager();
        for (long id = snapshots.earliestSnapshotId(); id <= snapshots.latestSnapshotId(); id++) {
            Snapshot s = snapshots.snapshot(id);
            if (s.watermark() != null && s.watermark() >= watermark) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static PipelineConf conf(String name, String idleTimeout) {
        String layers = TestConfs.exampleLayers().replace("    template: dws_users.sql\n",
                "    template: dws_users.sql\n    schedule: { cron: '0/1 * * * * ?', start-date: 2023-02-15 }\n");
        String sections = TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                .replace("  restart-attempts: 0\n", "  restart-attempts: 0\n  quiet-timeout: " + idleTimeout + "\n")
                + "scheduler:\n  dir: " + dir.resolve("scheduler-" + name) + "\n  poll-interval: " + POLL.toMillis() + "ms\n";
        return TestConfs.load(TestConfs.write(dir.resolve(name), sections, layers));
    }

    /**
     * A streaming reader skips overwrites. An ODS backfill brings in an order the binlog never
     * carried; the dwd_orders stream, which has no schedule, never sees it. Status names the
     * partition until a rebuild of dwd_orders brings the order in.
     */
    @Test
    @Order(4)
    void statusNamesAStreamWrittenPartitionWhoseInputWasRebuiltUntilItIsRebuiltToo() throws Exception {
        PipelineConf conf = conf("rebuilt", "0s");
        StatusCollector status = new StatusCollector(conf, lake, java.time.Clock.systemUTC());
        assertTrue(waiting(status, "dwd_orders").isEmpty(), "nothing to rebuild yet: " + status.collect().waiting());

        SampleSource.execute(mariaDb, true, "INSERT INTO orders VALUES (100050, 'user_002', 12345, 1, 7.00,"
                + " '2023-02-15 12:00:00', '2023-02-15 12:00:00', 1)");
        assertTrue(backfill(conf, "ods_orders").succeeded());
        assertTrue(hasOrder("ods_orders", 100050), "the ODS backfill read the order from MySQL");
        assertFalse(hasOrder("dwd_orders", 100050), "the stream never reads an overwrite");
        List<StatusReport.Waiting> listed = waiting(status, "dwd_orders");
        assertEquals(List.of("20230215"), listed.stream().map(StatusReport.Waiting::partition).toList(), listed.toString());
        assertTrue(listed.get(0).due().startsWith("its stream never read the rebuild of ods_orders partition 20230215 (run "),
                listed.get(0).due());

        assertTrue(backfill(conf, "dwd_orders").succeeded());
        assertTrue(hasOrder("dwd_orders", 100050), "the rebuild brought the order in");
        assertTrue(waiting(status, "dwd_orders").isEmpty(), "rebuilt after its input: " + status.collect().waiting());

        // A cascade rebuilds the layer after its input in one run: nothing is left to name.
        SampleSource.execute(mariaDb, true, "INSERT INTO orders VALUES (100051, 'user_002', 12345, 1, 8.00,"
                + " '2023-02-15 13:00:00', '2023-02-15 13:00:00', 1)");
        assertTrue(backfill(conf, "ods_orders", true).succeeded());
        assertTrue(hasOrder("dwd_orders", 100051), "the cascade brought the order into dwd_orders");
        assertTrue(waiting(status, "dwd_orders").isEmpty(), "cascaded: " + status.collect().waiting());

        // A change the binlog carries: ods_orders' day changes after dwd_orders' batch build, and the
        // dwd_orders stream writes it too. Nothing is stale, so status names nothing to rebuild.
        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = 9.00 WHERE order_id = 100051");
        Await.until(TIMEOUT, () -> lake.rowsOfPartitions("dwd_orders", List.of("20230215")).stream().anyMatch(r ->
                Long.valueOf(100051).equals(r.get("order_id")) && new java.math.BigDecimal("9.00").equals(r.get("order_fee"))),
                () -> "the dwd_orders stream never wrote the new fee of 100051");
        assertTrue(waiting(status, "dwd_orders").isEmpty(), "the stream carried the change: " + status.collect().waiting());
    }

    /**
     * An event-time window drops a row behind its watermark; a batch build would count it. The
     * cluster's count of such rows is what status shows of the job.
     */
    @Test
    @Order(5)
    void theClusterCountsTheLateRowsAWindowDrops() throws Exception {
        Path templates = Files.createDirectories(dir.resolve("templates-late"));
        try (Stream<Path> project = Files.list(TestConfs.templatesDir())) {
            for (Path template : project.toList()) {
                Files.copy(template, templates.resolve(template.getFileName().toString()));
            }
        }
        Files.copy(Path.of(WatermarkGateTest.class.getResource("/late/dws_shop_hourly.sql").toURI()),
                templates.resolve("dws_shop_hourly.sql"));
        Path file = Files.createDirectories(dir.resolve("late")).resolve("pipeline.yaml");
        Files.writeString(file, "templates: " + templates + "\n"
                + TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE) + "\n" + TestConfs.exampleLayers()
                + "  - name: dws_shop_hourly\n    template: dws_shop_hourly.sql\n"
                + "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n    upstream: [dwd_orders]\n");
        PipelineConf conf = TestConfs.load(file);
        RunningStream window = new StreamRunner(conf, session).start(List.of(conf.layer("dws_shop_hourly")), false);
        try {
            io.weir.runner.cluster.ClusterJobs jobs = session.jobs();
            org.apache.flink.api.common.JobID job = jobs.activeOf("test").stream()
                    .filter(j -> j.identity().orElseThrow().job().equals("dws_shop_hourly")).findFirst().orElseThrow().id();
            // Reading the table whole, splits of earlier hours that come after later ones are late too: wait until the count rests.
            long[] seen = {-1};
            Await.until(TIMEOUT, () -> {
                window.checkHealthy();
                long now = jobs.lateRecordsDropped(job).orElse(-1L);
                boolean rests = now >= 0 && now == seen[0] && lake.tableExists("dws_shop_hourly")
                        && lake.latestSnapshotId("dws_shop_hourly").orElse(0L) > 0;
                seen[0] = now;
                return rests;
            }, () -> "late rows dropped: " + seen[0]);
            long before = seen[0];

            SampleSource.execute(mariaDb, "INSERT INTO orders VALUES (100060, 'user_003', 77777, 1, 3.00,"
                    + " '2023-02-15 10:00:00', '2023-02-15 10:00:00', 1)");
            Await.until(TIMEOUT, () -> {
                window.checkHealthy();
                return jobs.lateRecordsDropped(job).orElse(-1L) > before;
            }, () -> "late rows dropped: " + jobs.lateRecordsDropped(job) + ", before the late order " + before);
            assertTrue(hasOrder("dwd_orders", 100060), "the order reached dwd_orders");
            assertTrue(lake.rows("dws_shop_hourly").stream().noneMatch(r -> Long.valueOf(77777).equals(r.get("shop_id"))),
                    "the window dropped it");
        } finally {
            window.cancel();
        }
    }

    private static io.weir.backfill.BackfillResult backfill(PipelineConf conf, String layer) {
        return backfill(conf, layer, false);
    }

    private static io.weir.backfill.BackfillResult backfill(PipelineConf conf, String layer, boolean cascade) {
        io.weir.runner.template.Renderer renderer = new io.weir.runner.template.Renderer(conf);
        LocalDate day = LocalDate.of(2023, 2, 15);
        return new io.weir.backfill.BackfillRunner(conf, session, renderer, lake, ledger).run(
                new io.weir.backfill.BackfillPlanner(conf, renderer, lake, ledger).plan(
                        new io.weir.backfill.BackfillRequest(layer, day, day, cascade, 1, 1, false, false)),
                1, io.weir.backfill.BackfillProgress.NONE);
    }

    private static boolean hasOrder(String table, long orderId) {
        return lake.rowsOfPartitions(table, List.of("20230215")).stream().anyMatch(r -> Long.valueOf(orderId).equals(r.get("order_id")));
    }

    private static List<StatusReport.Waiting> waiting(StatusCollector status, String layer) {
        return status.collect().waiting().stream().filter(w -> w.layer().equals(layer)).toList();
    }

    @Test
    @Order(3)
    void statusNamesTheStreamAsTheWriterOfAnUnpartitionedTableWithoutWatermark() throws Exception {
        PipelineConf conf = conf("status", "0s");
        Await.until(TIMEOUT, () -> lake.tableExists("ods_product_catalog")
                && lake.latestSnapshotId("ods_product_catalog").orElse(0L) > 0, () -> "no commit to ods_product_catalog");
        StatusReport status = new StatusCollector(conf, lake, java.time.Clock.systemUTC()).collect();
        StatusReport.TableStatus catalog = status.tables().stream()
                .filter(t -> t.table().equals("ods_product_catalog")).findFirst().orElseThrow();
        assertEquals(StatusReport.WrittenBy.STREAM, catalog.writtenBy(), "checkpointed commits, though no watermark");
        assertEquals(StatusReport.TableKind.STREAM, catalog.kind());
        assertNull(catalog.closedThrough(), "an unpartitioned table has no partitions to close");
    }
}
