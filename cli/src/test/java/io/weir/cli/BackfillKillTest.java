package io.weir.cli;

import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.Ledger;
import io.weir.backfill.RunStatus;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two faults in the middle of a multi-chunk backfill, a kill -9 and a full disk: every partition is
 * exactly as before or fully replaced, and running the backfill again completes it. The warehouse
 * lies on a tmpfs of its own so that the disk can fill up.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class BackfillKillTest {

    private static final LocalDate FROM = LocalDate.of(2023, 3, 1);
    private static final LocalDate TO = LocalDate.of(2023, 3, 8);
    private static final int DAYS = 8;

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static PipelineConf conf;
    static Path confFile;
    static List<LedgerEntry> runningAtKill = List.of();

    @BeforeAll
    static void start() throws Exception {
        mount(dir.resolve("warehouse"));
        mariaDb = SampleSource.start(dir);
        try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement()) {
            int id = 0;
            for (int day = 1; day <= DAYS; day++) {
                for (int i = 0; i < 3; i++) {
                    id++;
                    String time = String.format("'2023-03-%02d %02d:00:00'", day, 8 + i);
                    s.execute("INSERT INTO orders VALUES (" + (200000 + id) + ", 'user_00" + (1 + i) + "', 12345, 1, "
                            + (100 + id) + ".00, " + time + ", " + time + ", 1)");
                    s.execute("INSERT INTO orders_pay VALUES (" + (3000 + id) + ", " + (200000 + id) + ", 1, " + time + ")");
                }
            }
        }
        confFile = TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), "order_dw"));
        conf = TestConfs.load(confFile);
    }

    @AfterAll
    static void stop() throws Exception {
        if (mariaDb != null) {
            mariaDb.close();
        }
        if (mounted) {
            Process umount = new ProcessBuilder("umount", dir.resolve("warehouse").toString()).inheritIO().start();
            assertTrue(umount.waitFor(1, TimeUnit.MINUTES) && umount.exitValue() == 0, "umount of the test's tmpfs");
        }
    }

    static boolean mounted;

    /** A tmpfs of 256 MB for the warehouse, so that a test can fill its disk without filling the machine's. */
    private static void mount(Path at) throws Exception {
        Files.createDirectories(at);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", at.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        if (!mount.waitFor(1, TimeUnit.MINUTES) || mount.exitValue() != 0) {
            fail("The disk-full test mounts a small tmpfs for its warehouse, which needs root (or CAP_SYS_ADMIN):"
                    + " run the suite as root. mount said: " + output);
        }
        mounted = true;
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void killedBackfillLeavesEveryPartitionOldOrNewAndTheRerunCompletesIt() throws Exception {
        Map<String, Map<String, BigDecimal>> before;
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf.warehouse())) {
            backfill(session, lake, "ods_product_catalog", false);
            backfill(session, lake, "ods_orders_pay", false);
            backfill(session, lake, "ods_orders", true);
            before = dwsUsers(lake);
            assertEquals(mysqlTotals(), before, "first build matches MySQL");
            // New data reaches DWD, not yet DWS: the backfill under test moves DWS from old to new.
            try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement()) {
                s.execute("UPDATE orders SET buy_fee = buy_fee + 1 WHERE order_id > 200000");
            }
            backfill(session, lake, "ods_orders", false);
            backfill(session, lake, "dwd_orders", false);
        }
        Map<String, Map<String, BigDecimal>> after = mysqlTotals();
        for (String day : after.keySet()) {
            assertNotEquals(before.get(day), after.get(day), "old and new differ on " + day);
        }

        Instant started = Instant.now();
        Process child = weir("backfill", "--conf", confFile.toString(), "--layer", "dws_users",
                "--from", FROM.toString(), "--to", TO.toString(), "--batch-size", "1", "--force");
        try (Lake lake = new Lake(conf.warehouse())) {
            Ledger ledger = new Ledger(lake);
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            while (doneSince(ledger, started) < 3) {
                if (!child.isAlive()) {
                    fail("backfill ended before it could be killed: " + Files.readString(dir.resolve("child.log")));
                }
                if (Instant.now().isAfter(deadline)) {
                    fail("no progress within 3 minutes: " + Files.readString(dir.resolve("child.log")));
                }
                Thread.sleep(50);
            }
            // Killed while a partition is being built, so a lease is left to resolve.
            while (ledger.entries().stream().noneMatch(e -> e.status() == RunStatus.RUNNING)) {
                if (!child.isAlive() || Instant.now().isAfter(deadline)) {
                    fail("no partition being built to kill: " + Files.readString(dir.resolve("child.log")));
                }
                Thread.sleep(20);
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            int done = doneSince(ledger, started);
            assertTrue(done < DAYS, "killed in the middle, not at the end (" + done + " done)");

            Map<String, Map<String, BigDecimal>> killed = dwsUsers(lake);
            int replaced = 0;
            for (String day : after.keySet()) {
                Map<String, BigDecimal> partition = killed.get(day);
                assertTrue(before.get(day).equals(partition) || after.get(day).equals(partition),
                        day + " is neither old " + before.get(day) + " nor new " + after.get(day) + ": " + partition);
                replaced += after.get(day).equals(partition) ? 1 : 0;
            }
            assertTrue(replaced >= 3 && replaced < DAYS, replaced + " partitions replaced");
            runningAtKill = ledger.entries().stream().filter(e -> e.status() == RunStatus.RUNNING).toList();
            assertFalse(runningAtKill.isEmpty(), "a partition was being built at the kill");
            // Before anything resolves its lease, status already shows the killed run as interrupted, not as a bare failure.
            for (LedgerEntry dead : runningAtKill) {
                io.weir.scheduler.StatusReport.RunSummary run = new io.weir.scheduler.StatusCollector(conf, lake,
                        java.time.Clock.systemUTC()).collect().runs().stream()
                        .filter(r -> r.runId().equals(dead.runId())).findFirst().orElseThrow();
                assertEquals(RunStatus.FAILED, run.state());
                assertTrue(String.valueOf(run.error()).startsWith("interrupted: the run stopped while it built dws_users "),
                        String.valueOf(run.error()));
            }
        }

        Process rerun = weir("backfill", "--conf", confFile.toString(), "--layer", "dws_users",
                "--from", FROM.toString(), "--to", TO.toString(), "--batch-size", "1");
        assertTrue(rerun.waitFor(5, TimeUnit.MINUTES));
        String log = Files.readString(dir.resolve("child.log"));
        assertEquals(0, rerun.exitValue(), log);
        assertTrue(log.contains("skipped (up to date, or being built now)"), log);
        try (Lake lake = new Lake(conf.warehouse())) {
            assertEquals(after, dwsUsers(lake), "the rerun completed the backfill");
            Map<String, LedgerEntry> latest = new Ledger(lake).latestByPartition(conf.name(), "dws_users");
            for (String day : after.keySet()) {
                assertEquals(RunStatus.DONE, latest.get(day).status(), day);
            }
            // The killed run's lease died with it: the rerun records its partitions as interrupted and says so.
            List<LedgerEntry> all = new Ledger(lake).entries();
            assertTrue(all.stream().noneMatch(e -> e.status() == RunStatus.RUNNING), "nothing is left RUNNING");
            for (LedgerEntry dead : runningAtKill) {
                LedgerEntry resolved = all.stream().filter(e -> e.runId().equals(dead.runId())
                        && e.partition().equals(dead.partition())).findFirst().orElseThrow();
                assertEquals(RunStatus.FAILED, resolved.status());
                assertTrue(resolved.error().startsWith("interrupted: run " + dead.runId() + " ("
                        + dead.lease().owner() + ")"), resolved.error());
                assertTrue(log.contains("dws_users partition " + dead.partition() + ": interrupted: run " + dead.runId()), log);
            }
        }
    }

    /**
     * The warehouse's disk fills up while a backfill runs: the run stops with exit 1, a few lines
     * naming the full disk and the command that finishes it, and no stack trace. Every partition is
     * old or new, and once there is room again the command it names completes it.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aFullDiskStopsTheBackfillWithEveryPartitionOldOrNewAndItsRetryCompletesIt() throws Exception {
        Map<String, Map<String, BigDecimal>> before;
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf.warehouse())) {
            before = dwsUsers(lake);
            assertEquals(mysqlTotals(), before, "the kill test ended equal to MySQL");
            try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement()) {
                s.execute("UPDATE orders SET buy_fee = buy_fee + 2 WHERE order_id > 200000");
            }
            backfill(session, lake, "ods_orders", false);
            backfill(session, lake, "dwd_orders", false);
        }
        Map<String, Map<String, BigDecimal>> after = mysqlTotals();

        Instant started = Instant.now();
        Process child = weir("backfill", "--conf", confFile.toString(), "--layer", "dws_users",
                "--from", FROM.toString(), "--to", TO.toString(), "--batch-size", "1", "--force");
        Path filler = dir.resolve("warehouse").resolve("filler");
        try (Lake lake = new Lake(conf.warehouse())) {
            Ledger ledger = new Ledger(lake);
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
                while (doneSince(ledger, started) < 2) {
                    assertTrue(child.isAlive(), () -> "the backfill ended before the disk filled: " + childLog());
                    Thread.sleep(50);
                }
            }, () -> "no progress within 3 minutes: " + childLog());
        }
        fill(filler);
        assertTrue(child.waitFor(3, TimeUnit.MINUTES), "the backfill stops on a full disk: " + childLog());
        String log = childLog();
        assertEquals(1, child.exitValue(), log);
        assertTrue(log.contains("no space left on device: a disk this run writes to is full"), log);
        assertTrue(!log.contains("\tat ") && !log.contains("Exception:") && !log.contains("unexpected error"),
                "no stack trace or exception name: " + log);
        // The full disk refused the ledger too: the commands that finish the run are spelled out instead of --retry.
        assertTrue(log.contains("The ledger could not record every outcome of this run"), log);
        java.util.regex.Matcher redo = java.util.regex.Pattern.compile(
                "(?m)^  weir backfill --layer dws_users --from (\\d{8}) --to 20230308 --force$").matcher(log);
        assertTrue(redo.find(), "the command that finishes the run is named: " + log);
        assertTrue(log.lines().count() < 30, "a few lines, not pages: " + log);

        Files.delete(filler);
        try (Lake lake = new Lake(conf.warehouse())) {
            Map<String, Map<String, BigDecimal>> stopped = dwsUsers(lake);
            int replaced = 0;
            for (String day : after.keySet()) {
                Map<String, BigDecimal> partition = stopped.get(day);
                assertTrue(before.get(day).equals(partition) || after.get(day).equals(partition),
                        day + " is neither old " + before.get(day) + " nor new " + after.get(day) + ": " + partition);
                replaced += after.get(day).equals(partition) ? 1 : 0;
            }
            assertTrue(replaced >= 2 && replaced < DAYS, replaced + " partitions replaced before the disk filled");
        }
        Process retry = weir("backfill", "--conf", confFile.toString(), "--layer", "dws_users", "--from", redo.group(1),
                "--to", "20230308", "--force");
        assertTrue(retry.waitFor(5, TimeUnit.MINUTES), childLog());
        assertEquals(0, retry.exitValue(), childLog());
        try (Lake lake = new Lake(conf.warehouse())) {
            assertEquals(after, dwsUsers(lake), "the command it named completed the backfill");
        }
    }

    /** Writes zeros until the disk refuses more. */
    private static void fill(Path filler) throws Exception {
        byte[] block = new byte[1 << 20];
        try (java.io.OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (java.io.IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
    }

    private static String childLog() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static void backfill(FlinkSession session, Lake lake, String layer, boolean cascade) {
        Renderer renderer = new Renderer(conf);
        Ledger ledger = new Ledger(lake);
        var plan = new BackfillPlanner(conf, renderer, lake, ledger)
                .plan(new BackfillRequest(layer, FROM, TO, cascade, 31, 1, true, false));
        var result = new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
    }

    private static int doneSince(Ledger ledger, Instant started) {
        int done = 0;
        for (LedgerEntry e : ledger.entries()) {
            if (e.layer().equals("dws_users") && e.status() == RunStatus.DONE
                    && e.startedAt().toInstant(java.time.ZoneOffset.UTC).isAfter(started)) {
                done++;
            }
        }
        return done;
    }

    private static Map<String, Map<String, BigDecimal>> dwsUsers(Lake lake) {
        Map<String, Map<String, BigDecimal>> days = new TreeMap<>();
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            String ds = d.toString().replace("-", "");
            days.put(ds, Totals.of(lake, "dws_users", "user_id", ds));
        }
        return days;
    }

    /** The truth, computed by MySQL itself: total paid per user per payment day. */
    private static Map<String, Map<String, BigDecimal>> mysqlTotals() throws Exception {
        Map<String, Map<String, BigDecimal>> days = new TreeMap<>();
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            days.put(d.toString().replace("-", ""), new TreeMap<>());
        }
        try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT o.user_id, DATE_FORMAT(p.create_time, '%Y%m%d'), SUM(o.buy_fee)"
                        + " FROM orders o JOIN orders_pay p ON o.order_id = p.order_id"
                        + " WHERE p.create_time >= '2023-03-01' GROUP BY 1, 2")) {
            while (rs.next()) {
                days.get(rs.getString(2)).put(rs.getString(1), rs.getBigDecimal(3));
            }
        }
        return days;
    }

    private static Process weir(String... args) throws Exception {
        java.nio.file.Files.deleteIfExists(dir.resolve("child.log"));
        return ChildWeir.start(dir.resolve("child.log"), args);
    }
}
