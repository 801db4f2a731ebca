package io.weir.scheduler;

import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Ledger;
import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.StreamFixture;
import io.weir.runner.Totals;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.session.RunningStream;
import io.weir.runner.template.Renderer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source that goes quiet closes its last partition through every layer (ods, dwd, dws) within a
 * bounded time of the last commit, though no watermark ever passes the partition's end; the
 * partition is then backfilled without --allow-open. A stopped stream closes nothing, and after a
 * restart from savepoints the next quiet partition closes the same way.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuietSourceTest {

    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final Instant FEB_16 = Instant.parse("2023-02-16T00:00:00Z");
    private static final Instant FEB_17 = Instant.parse("2023-02-17T00:00:00Z");
    private static final Instant FEB_18 = Instant.parse("2023-02-18T00:00:00Z");
    private static final List<String> TABLES = List.of("ods_orders", "ods_orders_pay", "dwd_orders", "dws_users");
    /** What a backfill of dws_users is judged by: its input, and through it the source's copies. */
    private static final List<String> JUDGES = List.of("ods_orders", "ods_orders_pay", "dwd_orders");

    @TempDir static Path dir;
    static StreamFixture fx;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        fx = StreamFixture.start(dir, sections -> sections.replace("  restart-attempts: 0\n", "  restart-attempts: 0\n  quiet-timeout: " + QUIET.toSeconds() + "s\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @Test
    @Order(1)
    void aQuietSourcesLastPartitionClosesThroughEveryLayerAlsoAfterARestart() throws Exception {
        List<LayerConf> layers = layers();
        stream = fx.stream(layers);
        // The seed rows end on 2023-02-15 18:40:56: no watermark will pass the day's end.
        awaitClosedAndBackfill(FEB_16, LocalDate.of(2023, 2, 15),
                Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"));
        for (String table : TABLES) {
            assertTrue(fx.lake.watermark(table).orElseThrow() < FEB_16.toEpochMilli(), table + ": closed by quiet, not by its watermark");
        }
        String closedThrough = status("dws_users").closedThrough();
        assertTrue(closedThrough != null && closedThrough.compareTo("20230215") >= 0, "status shows the quiet day closed: " + closedThrough);
        assertFreshness();
        aPipelineWestOfUtcClosesNoHourItsClockHasNotReached();

        // Heartbeats keep a quiet stream alive; a stopped one closes nothing.
        stream.stopWithSavepoints(Duration.ofMinutes(2));
        stream = null;
        Closing closing = new Closing(fx.conf, fx.lake, Clock.systemUTC());
        // Each job counts as stopped once it has not committed for the liveness window.
        Await.until(TIMEOUT, () -> TABLES.stream().allMatch(t -> closing.of(t).basis() == Closing.Basis.WATERMARK),
                () -> TABLES.stream().map(t -> t + ": " + closing.of(t).state()).toList().toString());
        assertTrue(closing.of("ods_orders").state().contains("not running?"), closing.of("ods_orders").state());
        WeirException open = assertThrows(WeirException.class, () -> planner().plan(
                new BackfillRequest("dws_users", LocalDate.of(2023, 2, 15), LocalDate.of(2023, 2, 15), false, 1, 1, true, false)));
        assertTrue(open.getMessage().contains("dwd_orders is not closed through the partition's end 2023-02-16 00:00:00:"
                + " watermark 2023-02-15 "), open.getMessage());

        // Restarted from its savepoints, whose watermarks start from nothing, the stream closes the next day too.
        stream = fx.stream(layers);
        SampleSource.execute(fx.mariaDb,
                "INSERT INTO orders VALUES (100040, 'user_001', 12345, 1, 10.00, '2023-02-16 01:00:00', '2023-02-16 01:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2040, 100040, 1, '2023-02-16 01:00:00')");
        awaitClosedAndBackfill(FEB_17, LocalDate.of(2023, 2, 16), Totals.expected("user_001", "10.00"));
    }

    /**
     * Watermarks and partitions are wall-clock times of the source's zone, read as UTC. Quiet closes
     * through now minus the quiet timeout on that clock: read as UTC, a source five hours west would
     * close five hours that have not yet begun there, and the scheduler would build and seal them.
     */
    private void aPipelineWestOfUtcClosesNoHourItsClockHasNotReached() {
        java.time.ZoneOffset west = java.time.ZoneOffset.ofHours(-5);
        io.weir.runner.conf.PipelineConf c = fx.conf;
        io.weir.runner.conf.PipelineConf westConf = new io.weir.runner.conf.PipelineConf(c.file(), c.name(), c.startDate(),
                west, c.templatesDir(), c.warehouse(), c.sources(), c.flink(), c.layers(), c.scheduler(), c.serving(),
                c.secrets(), c.ui());
        Instant before = java.time.LocalDateTime.now(west).toInstant(java.time.ZoneOffset.UTC);
        Closing.Closed closed = new Closing(westConf, fx.lake, Clock.systemUTC()).of("ods_orders");
        Instant after = java.time.LocalDateTime.now(west).toInstant(java.time.ZoneOffset.UTC);
        assertEquals(Closing.Basis.QUIET, closed.basis(), closed.state());
        Instant through = closed.through().orElseThrow();
        assertTrue(!through.isBefore(before.minus(QUIET)) && !through.isAfter(after.minus(QUIET)),
                "closed through " + through + ", the west clock read " + before + " less " + QUIET);
    }

    /**
     * Orders keep coming, payments stop. Flink's source of ods_orders_pay in the dwd_orders job keeps
     * the watermark of the last payment it read and never turns idle, so dwd_orders' watermark stands
     * there while the orders move on: a day would stay open forever, and no quiet rule helps while
     * rows come. Weir sees the watermark stand through a lag of the job's run and closes dwd_orders by
     * its inputs, so the day's backfill runs without --allow-open, and agrees with the stream.
     */
    @Test
    @Order(2)
    void aJoinSideThatGetsNothingNewDoesNotHoldADayOpenWhileTheOtherSideFlows() throws Exception {
        if (stream == null) {
            stream = fx.stream(layers());
        }
        SampleSource.execute(fx.mariaDb,
                "INSERT INTO orders VALUES (100041, 'user_002', 12345, 1, 7.00, '2023-02-17 01:00:00', '2023-02-17 01:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2041, 100041, 1, '2023-02-17 01:00:00')");
        java.util.Map<String, java.math.BigDecimal> totals = Totals.expected("user_002", "7.00");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_users", "user_id", "20230217").equals(totals);
        }, () -> Totals.of(fx.lake, "dws_users", "user_id", "20230217").toString());

        Closing closing = new Closing(fx.conf, fx.lake, Clock.systemUTC());
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong passedAt = new java.util.concurrent.atomic.AtomicLong();
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            // An unpaid order every poll, an hour later each up to the next day's 02:00.
            int n = next.getAndIncrement();
            java.time.LocalDateTime at = java.time.LocalDateTime.of(2023, 2, 17, 2, 0).plusHours(Math.min(n, 24));
            try {
                SampleSource.execute(fx.mariaDb, "INSERT INTO orders VALUES (" + (100100 + n) + ", 'user_003', 12345, 1, 1.00, '"
                        + at + "', '" + at + "', 1)");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (passedAt.get() == 0 && fx.lake.watermark("ods_orders").orElse(0L) >= FEB_18.toEpochMilli()) {
                passedAt.set(System.currentTimeMillis());
            }
            return JUDGES.stream().allMatch(t -> closing.of(t).passed(FEB_18));
        }, () -> JUDGES.stream().map(t -> t + ": " + closing.of(t).state()).toList().toString());
        Duration took = Duration.ofMillis(System.currentTimeMillis() - passedAt.get());
        if (passedAt.get() == 0) {
            throw new AssertionError("closed before ods_orders' watermark passed the day: " + closing.of("dwd_orders").state());
        }
        System.out.println("stalled-close: dwd_orders closed the day " + took + " after ods_orders' watermark passed it (lag "
                + closing.lag() + ")");

        Closing.Closed dwd = closing.of("dwd_orders");
        assertTrue(fx.lake.watermark("dwd_orders").orElseThrow() < Instant.parse("2023-02-17T01:00:00Z").toEpochMilli(),
                "the premise: Flink holds dwd_orders' watermark at the last payment's, " + dwd.state());
        assertEquals(Closing.Basis.STALLED, dwd.basis(), dwd.state());
        assertTrue(dwd.state().contains("its watermark stood at 2023-02-17 00:59:5"), dwd.state());
        StatusReport.TableStatus shown = status("dwd_orders");
        assertTrue(shown.closedThrough() != null && shown.closedThrough().compareTo("20230217") >= 0, "status: " + shown);
        assertTrue(shown.freshness().ageMs() < shown.lagMs() - Duration.ofHours(20).toMillis(),
                "fresh up to where its inputs close it, not its held-back watermark: " + shown);
        assertEquals("STALLED", shown.closing().basis(), "status says why: " + shown);
        assertTrue(shown.closing().state().contains("by its inputs (its watermark stood at 2023-02-17 00:59:5"), shown.toString());
        assertEquals("QUIET", status("ods_orders_pay").closing().basis(), status("ods_orders_pay").toString());
        BackfillResult result = new BackfillRunner(fx.conf, fx.session, new Renderer(fx.conf), fx.lake, new Ledger(fx.lake)).run(
                planner().plan(new BackfillRequest("dws_users", LocalDate.of(2023, 2, 17), LocalDate.of(2023, 2, 17),
                        false, 1, 1, true, false)), 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(1, result.partitionsDone());
        assertEquals(totals, Totals.of(fx.lake, "dws_users", "user_id", "20230217"), "the batch recomputation agrees");
    }

    private static List<LayerConf> layers() {
        return fx.conf.layers().stream().filter(l -> !l.table().equals("dws_shops")).toList();
    }

    /**
     * Freshness from the lake: the age is now minus the watermark (years, for the seed's 2023 rows),
     * and the hop from dwd_orders to dws_users took about a checkpoint. A target the age exceeds is
     * missed; a generous one is not.
     */
    private static void assertFreshness() {
        StatusReport.TableStatus dws = status("dws_users");
        assertEquals(dws.lagMs(), dws.freshness().ageMs(), "age is now minus the watermark");
        assertTrue(dws.freshness().ageMs() > Duration.ofDays(365).toMillis(), dws.toString());
        Long hop = dws.freshness().hopDelayMs();
        assertTrue(hop != null && hop >= 0 && hop < Duration.ofSeconds(30).toMillis(), "hop delay " + hop);
        assertEquals(null, dws.freshness().targetMs());
        assertTrue(!dws.freshness().missed(), "no target, nothing missed");

        List<LayerConf> targeted = fx.conf.layers().stream().map(l -> l.name().equals("dws_users")
                ? withFreshness(l, Duration.ofSeconds(30))
                : l.name().equals("dwd_orders") ? withFreshness(l, Duration.ofDays(365 * 100)) : l).toList();
        io.weir.runner.conf.PipelineConf conf = fx.conf;
        StatusReport report = new StatusCollector(new io.weir.runner.conf.PipelineConf(conf.file(), conf.name(),
                conf.startDate(), conf.timeZone(), conf.templatesDir(), conf.warehouse(), conf.sources(), conf.flink(), targeted,
                conf.scheduler(), conf.serving(), conf.secrets(), conf.ui()), fx.lake, Clock.systemUTC()).collect();
        StatusReport.Freshness missed = report.tables().stream().filter(t -> t.layer().equals("dws_users")).findFirst()
                .orElseThrow().freshness();
        assertTrue(missed.missed() && missed.targetMs() == 30_000, missed.toString());
        StatusReport.Freshness kept = report.tables().stream().filter(t -> t.layer().equals("dwd_orders")).findFirst()
                .orElseThrow().freshness();
        assertTrue(!kept.missed(), kept.toString());
    }

    private static LayerConf withFreshness(LayerConf l, Duration target) {
        return new LayerConf(l.name(), l.template(), l.table(), l.partition(), l.upstream(), l.schedule(),
                l.sealedPartitions(), l.lookback(), l.verify(), java.util.Optional.of(target));
    }

    /** Waits for every layer to close through {@code end}, bounds the time since the last rows, then backfills the day. */
    private static void awaitClosedAndBackfill(Instant end, LocalDate day, java.util.Map<String, java.math.BigDecimal> totals)
            throws Exception {
        String ds = day.toString().replace("-", "");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return Totals.of(fx.lake, "dws_users", "user_id", ds).equals(totals);
        }, () -> Totals.of(fx.lake, "dws_users", "user_id", ds).toString());
        Closing closing = new Closing(fx.conf, fx.lake, Clock.systemUTC());
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return TABLES.stream().allMatch(t -> closing.of(t).passed(end));
        }, () -> TABLES.stream().map(t -> t + ": " + closing.of(t).state()).toList().toString());
        long closedAt = System.currentTimeMillis();
        long lastRows = TABLES.stream().mapToLong(t -> fx.lake.lastDataAppendMillis(t, 0).orElse(0L)).max().orElseThrow();
        Duration took = Duration.ofMillis(closedAt - lastRows);
        System.out.println("quiet-close: closed " + took + " after the last rows");
        // Quiet timeout, plus checkpoints to commit and the wait's own polling: about 5 s here, once
        // 31 s on a loaded CI machine. The bound says "closes", not how fast.
        assertTrue(took.compareTo(QUIET.plusSeconds(45)) <= 0, "closed " + took + " after the last rows");
        // Quiet, the jobs go on committing empty heartbeats, and past the liveness window the day stays closed.
        long alivePast = lastRows + closing.liveness().toMillis() + 1000;
        Await.until(TIMEOUT, () -> System.currentTimeMillis() > alivePast, () -> "waiting past the liveness window");
        for (String table : TABLES) {
            assertTrue(fx.lake.lastStreamCommitMillis(table, fx.lake.lastDataAppendMillis(table, 0).orElseThrow() + 1).isPresent(),
                    table + " commits heartbeats while quiet");
            assertTrue(closing.of(table).passed(end), table + ": " + closing.of(table).state());
        }

        BackfillResult result = new BackfillRunner(fx.conf, fx.session, new Renderer(fx.conf), fx.lake, new Ledger(fx.lake)).run(
                planner().plan(new BackfillRequest("dws_users", day, day, false, 1, 1, true, false)), 1,
                BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(1, result.partitionsDone());
        assertEquals(totals, Totals.of(fx.lake, "dws_users", "user_id", ds), "the batch recomputation agrees");
    }

    private static BackfillPlanner planner() {
        return new BackfillPlanner(fx.conf, new Renderer(fx.conf), fx.lake, new Ledger(fx.lake));
    }

    private static StatusReport.TableStatus status(String layer) {
        return new StatusCollector(fx.conf, fx.lake, Clock.systemUTC()).collect().tables().stream()
                .filter(t -> t.layer().equals(layer)).findFirst().orElseThrow();
    }
}
