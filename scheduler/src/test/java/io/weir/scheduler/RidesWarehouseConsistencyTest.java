package io.weir.scheduler;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Chunk;
import io.weir.backfill.Ledger;
import io.weir.backfill.RunStatus;
import io.weir.backfill.UpgradeRebuild;
import io.weir.backfill.verify.RowDiff;
import io.weir.backfill.verify.Verifier;
import io.weir.runner.Await;
import io.weir.runner.SampleServing;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.Upgrades;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
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
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second warehouse, not the orders example: ride trips by the hour, a city dimension looked up in
 * DWD, hourly and daily aggregates with COUNT(*), a conditional SUM, COUNT(DISTINCT), MAX and AVG
 * under the default merge engine, keys that are not the first column. A seeded pseudo-random CDC
 * workload updates, deletes, moves trips across hours and days, deletes whole groups, renames a city,
 * changes sealed hours late and writes rows past the binlog. With the stream running throughout, an
 * ODS backfill with cascade repairs the binlog-less rows while a change commits, the stream restarts
 * mid-way, and the scheduler takes the late changes. At the end every sealed partition of every layer
 * equals its batch recomputation ({@code weir verify}), the aggregates equal MySQL's own, and the
 * serving store (a real PostgreSQL) equals the lake.
 */
class RidesWarehouseConsistencyTest {

    private static final LocalDateTime WINDOW = LocalDateTime.of(2024, 3, 1, 20, 0);
    private static final int HOURS = 10;
    private static final LocalDate FIRST_DAY = WINDOW.toLocalDate();
    private static final LocalDate LAST_DAY = WINDOW.plusHours(HOURS - 1).toLocalDate();
    /** A trip far past the window moves every watermark beyond it: the window's hours seal. */
    private static final String CLOSING_TRIP = "(900000, 1, 1, 1.00, 1, '2024-03-03 12:00:00', '2024-03-03 12:00:00')";
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static EmbeddedPostgres postgres;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static RunningStream stream;
    static final Random random = new Random(20240301);
    static long nextTripId = 1;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0);
        mariaDb.createDatabase("rides");
        execute(false, "CREATE TABLE cities (city_id INT PRIMARY KEY, city_name VARCHAR(32))",
                "CREATE TABLE trips (trip_id BIGINT PRIMARY KEY, rider_id INT, city_id INT, fare DECIMAL(10, 2),"
                        + " status INT, start_time DATETIME(3) NOT NULL, update_time DATETIME(3))",
                "INSERT INTO cities VALUES (1, 'Lisbon'), (2, 'Porto'), (3, 'Braga'), (4, 'Faro'), (5, 'Coimbra')");
        List<String> trips = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            trips.add(newTrip());
        }
        execute(false, "INSERT INTO trips VALUES " + String.join(", ", trips));

        Path templates = Files.createDirectories(dir.resolve("templates"));
        for (String t : List.of("ods_cities", "ods_trips", "dwd_trips", "dws_city_hour", "dws_rider_day")) {
            Files.copy(Path.of(RidesWarehouseConsistencyTest.class.getResource("/rides/" + t + ".sql").toURI()),
                    templates.resolve(t + ".sql"));
        }
        String every2s = "    schedule: { cron: '0/2 * * * * ?', start-date: 2024-03-01 }\n";
        String hourly = "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n";
        String layers = "layers:\n"
                + "  - name: ods_cities\n    template: ods_cities.sql\n"
                + "  - name: ods_trips\n    template: ods_trips.sql\n" + hourly
                + "  - name: dwd_trips\n    template: dwd_trips.sql\n" + hourly
                + "    upstream: [ods_trips, ods_cities]\n" + every2s
                + "  - name: dws_city_hour\n    template: dws_city_hour.sql\n" + hourly
                + "    upstream: [dwd_trips]\n" + every2s
                + "  - name: dws_rider_day\n    template: dws_rider_day.sql\n"
                + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n"
                + "    upstream: [dwd_trips]\n" + every2s;
        postgres = SampleServing.start(dir);
        String serving = SampleServing.section(postgres.port(), SampleServing.DATABASE, "public")
                .replace("[dws_users, dws_shops]", "[dws_city_hour, dws_rider_day]");
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, "templates: " + templates + "\n"
                + TestConfs.standardSections(dir, mariaDb.port(), "rides")
                        .replace("start-date: 2023-01-01", "start-date: 2024-03-01")
                        .replace("restart-attempts: 0", "restart-attempts: 20\n  restart-delay: 1s")
                + "scheduler:\n  dir: " + dir.resolve("scheduler") + "\n  poll-interval: 200ms\n  wait-timeout: 1h\n"
                + "  batch-size: 48\n"
                + serving
                + layers);
        conf = TestConfs.load(file);
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
    }

    @AfterAll
    static void stop() throws Exception {
        if (stream != null) {
            stream.cancel();
        }
        if (lake != null) {
            lake.close();
        }
        if (session != null) {
            session.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        mariaDb.close();
    }

    @Test
    void everySealedPartitionEqualsItsBatchRecomputationAndMySql() throws Exception {
        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        awaitStream("the first snapshot");

        // Round A through the binlog, while every window hour is still open.
        changeRandomly(80);
        awaitOds("round A");
        awaitStream("round A");

        // Seal the window, then write rows the stream never sees.
        execute(false, "INSERT INTO trips VALUES " + CLOSING_TRIP);
        long windowEnd = WINDOW.plusHours(HOURS).toInstant(ZoneOffset.UTC).toEpochMilli();
        long lastDayEnd = LAST_DAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            // ods_trips too: a backfill of ODS is judged by its own watermark.
            return lake.watermark("dwd_trips").orElse(Long.MIN_VALUE) >= windowEnd
                    && lake.watermark("ods_trips").orElse(Long.MIN_VALUE) >= Math.max(windowEnd, lastDayEnd);
        }, () -> "watermarks: dwd_trips " + lake.watermark("dwd_trips") + ", ods_trips " + lake.watermark("ods_trips"));
        String hidden = hour(3);
        execute(true, "INSERT INTO trips VALUES " + newTrip(3), "INSERT INTO trips VALUES " + newTrip(3),
                "INSERT INTO trips VALUES " + newTrip(3));
        assertFalse(cityHour().equals(mysqlCityHour()), "rows past the binlog: the lake lacks them");

        // The ODS backfill with cascade repairs them, while a change commits through the stream.
        long raced = someTrip();
        Renderer renderer = new Renderer(conf);
        Ledger ledger = new Ledger(lake);
        BackfillPlanner planner = new BackfillPlanner(conf, renderer, lake, ledger);
        BackfillRunner runner = new BackfillRunner(conf, session, renderer, lake, ledger);
        BackfillResult cascade = runner.run(planner.plan(new BackfillRequest("ods_trips",
                FIRST_DAY, LAST_DAY, true, 48, 1, true, false)), 1, new RaceOnOds(raced));
        assertTrue(cascade.succeeded(), cascade.failures().toString());
        assertEquals(new BigDecimal("177.77"), odsFare(raced), "the change committed during the overwrite survives it");
        assertTrue(lake.rowsOfPartitions("ods_trips", List.of(hidden)).size() >= 3, "the binlog-less rows are in ODS");

        // The stream restarts mid-way, from its saved state.
        stream.cancel();
        stream = new StreamRunner(conf, session).start(conf.layers(), false);

        // Round B: late changes to sealed hours, a whole group deleted, a move across days, a city renamed.
        changeRandomly(60);
        String group = hour(5);
        int city = 2;
        execute(false, "DELETE FROM trips WHERE city_id = " + city + " AND DATE_FORMAT(start_time, '%Y%m%d%H') = '" + group + "'");
        long moved = someTrip();
        String movedFrom = tripHour(moved);
        execute(false, "UPDATE trips SET start_time = '" + SQL_TIME.format(WINDOW.plusHours(HOURS - 1).plusMinutes(7))
                + "', update_time = NOW() WHERE trip_id = " + moved);

        awaitOds("round B, after the stream's restart");

        // The scheduler rebuilds what changed, until the lake equals MySQL's own aggregates.
        RecordingEvents events = new RecordingEvents();
        try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events,
                SchedulerTest.clockAt(LocalDate.of(2024, 3, 4).atStartOfDay().toInstant(ZoneOffset.UTC)))) {
            Await.until(TIMEOUT, () -> {
                stream.checkHealthy();
                return cityHour().equals(mysqlCityHour()) && riderDay().equals(mysqlRiderDay());
            }, () -> "events " + lastEvents(events) + "\nlake " + cityHour() + "\nmysql " + mysqlCityHour()
                    + "\nlake " + riderDay() + "\nmysql " + mysqlRiderDay());
        }

        // A renamed city is a restatement of history, which the user asks for: partitions keep the
        // dimension they were built with until a backfill rebuilds them.
        execute(false, "UPDATE cities SET city_name = 'Porto Norte' WHERE city_id = 2");
        Await.until(TIMEOUT, () -> lake.rows("ods_cities").stream().anyMatch(r -> "Porto Norte".equals(r.get("city_name"))),
                () -> "ods_cities " + lake.rows("ods_cities"));
        assertTrue(cityHour().keySet().stream().anyMatch(k -> k.endsWith("/Porto")), "built with the old name");
        BackfillResult restated = runner.run(planner.plan(new BackfillRequest("dwd_trips",
                FIRST_DAY, LAST_DAY, true, 48, 1, true, false)), 1, BackfillProgress.NONE);
        assertTrue(restated.succeeded(), restated.failures().toString());
        assertEquals(mysqlCityHour(), cityHour());
        assertEquals(mysqlRiderDay(), riderDay());

        // Each hazard on its own.
        assertFalse(cityHour().containsKey(group + "/Porto") || cityHour().containsKey(group + "/Porto Norte"),
                "a group whose rows are all deleted disappears: " + cityHour());
        assertTrue(cityHour().keySet().stream().noneMatch(k -> k.endsWith("/Porto")), "the renamed city is gone everywhere");
        if (!movedFrom.equals(hour(HOURS - 1))) {
            assertTrue(lake.rowsOfPartitions("dwd_trips", List.of(movedFrom)).stream()
                    .noneMatch(r -> Long.valueOf(moved).equals(r.get("trip_id"))), "the moved trip left " + movedFrom);
        }
        Verifier verifier = new Verifier(conf, session, renderer, lake);
        for (LayerConf layer : conf.layers()) {
            if (layer.partitioned()) {
                for (RowDiff.PartitionDiff diff : verifier.verify(layer, FIRST_DAY, LAST_DAY)) {
                    assertTrue(diff.same(), layer.name() + " " + diff);
                }
            }
        }
        upgradeRiderDayWhoseStateNoLongerFits();

        // Serving follows the lake: the stream's sync jobs and each rebuild's partition replacement.
        LocalDate closingDay = LAST_DAY.plusDays(1);
        for (String served : List.of("dws_city_hour", "dws_rider_day")) {
            LayerConf layer = conf.layer(served);
            Await.until(TIMEOUT, () -> verifier.verifyServing(layer, FIRST_DAY, closingDay).stream()
                    .allMatch(RowDiff.PartitionDiff::same), () -> served + " serving against the lake "
                    + verifier.verifyServing(layer, FIRST_DAY, closingDay).stream().filter(d -> !d.same()).toList());
        }
        stream.checkHealthy();
    }

    /**
     * {@code weir stream --upgrade} of a table that keeps each key's latest row, with an aggregate
     * whose state Flink refuses: the partitions the stream owns are rebuilt in batch with the new SQL
     * (the closing trip's day; the sealed days stay batch's), the job starts without state, the other
     * layers resume from their savepoints, and a trip of today reaches the new job once.
     */
    private static void upgradeRiderDayWhoseStateNoLongerFits() throws Exception {
        // A row no recomputation gives, in the stream-owned closing day, in the lake and in serving: the
        // rebuild must replace it in both. It is written beside the running jobs, which no longer write
        // that day, and its own lookup compaction gives the changelog the serving sync takes before the
        // stop. A second one follows after the stop, so the sync job reads it only on resuming, after the
        // rebuild replaced the serving partition: the replacement must be made again once it has.
        String closingDay = LAST_DAY.plusDays(1).format(DateTimeFormatter.BASIC_ISO_DATE);
        var tEnv = session.tableEnvironment(org.apache.flink.api.common.RuntimeExecutionMode.BATCH,
                new org.apache.flink.configuration.Configuration());
        new Renderer(conf).catalogStatements().forEach(tEnv::executeSql);
        tEnv.executeSql("INSERT INTO dws_rider_day VALUES ('" + closingDay
                + "', 4242, 1, 1, 1.00, 1.00)").await();
        Verifier served = new Verifier(conf, session, new Renderer(conf), lake);
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return served.verifyServing(conf.layer("dws_rider_day"), LAST_DAY.plusDays(1), LAST_DAY.plusDays(1)).stream()
                    .allMatch(RowDiff.PartitionDiff::same);
        }, () -> "the stale row in serving: " + served.verifyServing(conf.layer("dws_rider_day"), LAST_DAY.plusDays(1),
                LAST_DAY.plusDays(1)));
        assertTrue(lake.rowsOfPartitions("dws_rider_day", List.of(closingDay)).stream()
                .anyMatch(r -> Integer.valueOf(4242).equals(r.get("rider_id"))), "the stale row is planted");
        Map<String, String> sealedBefore = riderDayOf(FIRST_DAY);
        assertEquals(conf.layers().size() + 2, stream.stopWithSavepoints(Duration.ofMinutes(2)).size(),
                "every layer and both serving syncs stop with a savepoint");
        stream = null;
        tEnv.executeSql("INSERT INTO dws_rider_day VALUES ('" + closingDay + "', 4343, 1, 1, 1.00, 1.00)").await();
        Path templates = Files.createDirectories(dir.resolve("upgraded-templates"));
        for (String t : List.of("ods_cities", "ods_trips", "dwd_trips", "dws_city_hour", "dws_rider_day")) {
            Files.copy(dir.resolve("templates").resolve(t + ".sql"), templates.resolve(t + ".sql"));
        }
        Path riderDay = templates.resolve("dws_rider_day.sql");
        Files.writeString(riderDay, Files.readString(riderDay).replace("MAX(fare), SUM(fare)",
                "MAX(fare), SUM(fare) + MIN(fare)"));
        Path upgradedFile = dir.resolve("upgraded.yaml");
        Files.writeString(upgradedFile, Files.readString(dir.resolve("pipeline.yaml"))
                .replace("templates: " + dir.resolve("templates"), "templates: " + templates));
        PipelineConf upgraded = TestConfs.load(upgradedFile);
        List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        stream = new StreamRunner(upgraded, session).start(upgraded.layers(), false, java.util.Optional.of(
                new StreamRunner.Upgrading(new UpgradeRebuild(upgraded, session, BackfillProgress.NONE), said::add)));
        // start() settles what the rebuild left pending: the sync job has read the row planted after the
        // stop, and the partition was replaced again after that.
        assertTrue(new io.weir.runner.serving.ServingSync(upgraded, lake).pending("dws_rider_day").isEmpty());
        List<Map<String, Object>> resyncs = Lake.rows(lake.catalog().getTable(org.apache.paimon.catalog.Identifier.create(
                lake.ledgerDatabase(), io.weir.runner.lake.PendingResyncs.NAME)));
        assertTrue(resyncs.stream().anyMatch(r -> r.get("table_name").toString().endsWith(".dws_rider_day")
                && closingDay.equals(r.get("partition_value")) && r.get("settled_snapshot") != null
                && r.get("settled_snapshot").equals(r.get("after_snapshot"))),
                "the rebuild's replacement waited for the sync job, and was made again: " + resyncs);
        assertTrue(new io.weir.runner.serving.ServingSync(upgraded, lake).storeRows("dws_rider_day").stream()
                .noneMatch(r -> Integer.valueOf(4343).equals(r.get("rider_id")) || Integer.valueOf(4242).equals(r.get("rider_id"))),
                "the planted rows are gone from serving");
        String words = String.join("\n", said);
        assertTrue(words.contains("dws_rider_day: the state at ") && words.contains("does not fit the new SQL")
                && words.contains("dws_rider_day: rebuilding ") && words.contains("dws_rider_day: upgraded to sql:"), words);
        stream.layers().stream().filter(l -> !l.layer().name().equals("dws_rider_day"))
                .forEach(l -> assertTrue(l.restoredFrom().isPresent(), l.layer().name() + " resumed as it was"));
        List<Upgrades.Upgrade> upgrades = new Upgrades(lake).of(conf.name());
        assertEquals(List.of("dws_rider_day FRESH"), upgrades.stream().map(u -> u.layer() + " " + u.outcome()).toList());
        assertTrue(upgrades.get(0).partitionsRebuilt() >= 1 && upgrades.get(0).partitionsEmptied() == 0,
                upgrades.toString());
        assertTrue(new Ledger(lake).entries().stream().anyMatch(e -> e.table().equals("dws_rider_day")
                && e.partition().equals("20240303") && "upgrade".equals(e.mode()) && e.status() == RunStatus.DONE),
                "the closing trip's day was rebuilt by a run of mode upgrade");
        // The new SQL gives other values (fare_sum adds the smallest fare), so equal means rebuilt with it.
        LocalDate closing = LAST_DAY.plusDays(1);
        Verifier verifier = new Verifier(upgraded, session, new Renderer(upgraded), lake);
        RowDiff.PartitionDiff rebuilt = verifier.verify(upgraded.layer("dws_rider_day"), closing, closing).get(0);
        assertTrue(rebuilt.same() && rebuilt.equal() > 0, "the closing day after the upgrade " + rebuilt);
        assertTrue(lake.rowsOfPartitions("dws_rider_day", List.of(closingDay)).stream()
                .noneMatch(r -> Integer.valueOf(4242).equals(r.get("rider_id"))), "the stale row is gone");
        // Sealed days are batch's: they keep the old SQL's rows until a backfill, which does not skip them.
        assertEquals(sealedBefore, riderDayOf(FIRST_DAY));
        BackfillPlan sealedDays = new BackfillPlanner(upgraded, new Renderer(upgraded), lake, new Ledger(lake))
                .plan(new BackfillRequest("dws_rider_day", FIRST_DAY, LAST_DAY, false, 48, 1, false, false));
        assertTrue(sealedDays.layers().get(0).skipped().isEmpty() && sealedDays.layers().get(0).partitionCount()
                == java.time.temporal.ChronoUnit.DAYS.between(FIRST_DAY, LAST_DAY) + 1,
                "built with the old SQL, so not done: " + sealedDays);

        // Today's partitions are open: the new job, which read dwd_trips from its start, counts two
        // trips of a rider with no row today once. Another rider's trip, sent after them and seen
        // after, shows the job has gone past them without counting them again.
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).withNano(0);
        String today = now.format(DateTimeFormatter.BASIC_ISO_DATE);
        execute(false, "INSERT INTO trips VALUES (900001, 7, 2, 12.34, 1, '" + SQL_TIME.format(now) + "', NOW())",
                "INSERT INTO trips VALUES (900002, 7, 3, 20.00, 1, '" + SQL_TIME.format(now) + "', NOW())");
        java.util.function.Predicate<Map<String, Object>> riderSeven = r -> Integer.valueOf(7).equals(r.get("rider_id"))
                && Long.valueOf(2).equals(r.get("trips")) && Long.valueOf(2).equals(r.get("cities"))
                && new BigDecimal("44.68").equals(r.get("fare_sum"));
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lake.rowsOfPartitions("dws_rider_day", List.of(today)).stream().anyMatch(riderSeven);
        }, () -> "dws_rider_day " + today + ": " + lake.rowsOfPartitions("dws_rider_day", List.of(today)));
        execute(false, "INSERT INTO trips VALUES (900003, 8, 2, 5.00, 1, '" + SQL_TIME.format(now) + "', NOW())");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lake.rowsOfPartitions("dws_rider_day", List.of(today)).stream()
                    .anyMatch(r -> Integer.valueOf(8).equals(r.get("rider_id")));
        }, () -> "dws_rider_day " + today + ": " + lake.rowsOfPartitions("dws_rider_day", List.of(today)));
        assertTrue(lake.rowsOfPartitions("dws_rider_day", List.of(today)).stream().anyMatch(riderSeven),
                "counted once: " + lake.rowsOfPartitions("dws_rider_day", List.of(today)));
        LocalDate todayDate = now.toLocalDate();
        RowDiff.PartitionDiff streamed = verifier.verify(upgraded.layer("dws_rider_day"), todayDate, todayDate).get(0);
        assertTrue(streamed.same() && streamed.equal() == 2, "today, as the new job wrote it " + streamed);
    }

    private static Map<String, String> riderDayOf(LocalDate day) {
        String ds = day.format(DateTimeFormatter.BASIC_ISO_DATE);
        Map<String, String> rows = new TreeMap<>(riderDay());
        rows.keySet().removeIf(k -> !k.startsWith(ds + "/"));
        return rows;
    }

    /** While the ODS chunk runs, a trip's fare changes through the binlog and reaches ODS before the overwrite. */
    private record RaceOnOds(long trip) implements BackfillProgress {
        @Override
        public void started(BackfillPlan plan) {}

        @Override
        public void chunkStarted(Chunk chunk) {
            if (chunk.layer().name().equals("ods_trips")) {
                try {
                    execute(false, "UPDATE trips SET fare = 177.77, update_time = NOW() WHERE trip_id = " + trip);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Await.until(TIMEOUT, () -> new BigDecimal("177.77").equals(odsFare(trip)), () -> "ods fare " + odsFare(trip));
            }
        }

        @Override
        public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {}

        @Override
        public void finished() {}
    }

    /** Waits until the stream's aggregates equal MySQL's: a trip started after the window marks the stream's progress. */
    private static void awaitStream(String step) {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return cityHour().equals(mysqlCityHour()) && riderDay().equals(mysqlRiderDay());
        }, () -> step + ": lake " + cityHour() + "\nmysql " + mysqlCityHour());
    }

    private static List<String> lastEvents(RecordingEvents events) {
        List<String> lines = events.lines().stream().filter(l -> !l.startsWith("waiting")
                || l.contains(" 20240301") || l.contains(" 20240302")).toList();
        return lines.subList(Math.max(0, lines.size() - 60), lines.size());
    }

    /** ODS is written by the stream alone: it follows MySQL row for row, moves and deletes included. */
    private static void awaitOds(String step) {
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return odsTrips().equals(mysqlTrips());
        }, () -> step + ": ods " + odsTrips() + "\nmysql " + mysqlTrips() + "\njobs " + stream.statuses());
    }

    private static Map<Long, String> odsTrips() {
        Map<Long, String> rows = new TreeMap<>();
        if (lake.tableExists("ods_trips")) {
            for (Map<String, Object> r : lake.rows("ods_trips")) {
                rows.put((Long) r.get("trip_id"), r.get("dh") + " " + r.get("rider_id") + " " + r.get("city_id") + " "
                        + r.get("fare") + " " + r.get("status"));
            }
        }
        return rows;
    }

    private static Map<Long, String> mysqlTrips() {
        Map<Long, String> rows = new TreeMap<>();
        query("SELECT trip_id, DATE_FORMAT(start_time, '%Y%m%d%H'), rider_id, city_id, fare, status FROM trips",
                rs -> rows.put(rs.getLong(1), rs.getString(2) + " " + rs.getInt(3) + " " + rs.getInt(4) + " "
                        + rs.getBigDecimal(5) + " " + rs.getInt(6)));
        return rows;
    }

    private static void changeRandomly(int changes) throws Exception {
        List<String> statements = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
            long trip = someTrip();
            int kind = random.nextInt(100);
            if (kind < 30) {
                statements.add("UPDATE trips SET fare = " + fare() + ", update_time = NOW() WHERE trip_id = " + trip);
            } else if (kind < 40) {
                statements.add("UPDATE trips SET status = 3 - status, update_time = NOW() WHERE trip_id = " + trip);
            } else if (kind < 50) {
                statements.add("UPDATE trips SET rider_id = " + (1 + random.nextInt(40)) + ", update_time = NOW() WHERE trip_id = " + trip);
            } else if (kind < 62) {
                statements.add("DELETE FROM trips WHERE trip_id = " + trip);
            } else if (kind < 80) {
                statements.add("UPDATE trips SET start_time = '" + SQL_TIME.format(someTime()) + "', update_time = NOW()"
                        + " WHERE trip_id = " + trip);
            } else {
                statements.add("INSERT INTO trips VALUES " + newTrip());
            }
        }
        execute(false, statements.toArray(String[]::new));
    }

    private static String newTrip() {
        return newTrip(random.nextInt(HOURS));
    }

    private static String newTrip(int hour) {
        LocalDateTime at = WINDOW.plusHours(hour).plusSeconds(random.nextInt(3600));
        return "(" + nextTripId++ + ", " + (1 + random.nextInt(40)) + ", " + (1 + random.nextInt(5)) + ", " + fare() + ", "
                + (1 + random.nextInt(2)) + ", '" + SQL_TIME.format(at) + "', '" + SQL_TIME.format(at) + "')";
    }

    private static LocalDateTime someTime() {
        return WINDOW.plusSeconds(random.nextInt(HOURS * 3600));
    }

    private static String fare() {
        return BigDecimal.valueOf(300 + random.nextInt(9000), 2).toPlainString();
    }

    private static long someTrip() throws Exception {
        List<Long> ids = new ArrayList<>();
        query("SELECT trip_id FROM trips WHERE trip_id < 900000 ORDER BY trip_id", rs -> ids.add(rs.getLong(1)));
        return ids.get(random.nextInt(ids.size()));
    }

    private static String tripHour(long trip) throws Exception {
        List<String> hours = new ArrayList<>();
        query("SELECT DATE_FORMAT(start_time, '%Y%m%d%H') FROM trips WHERE trip_id = " + trip, rs -> hours.add(rs.getString(1)));
        return hours.get(0);
    }

    private static String hour(int offset) {
        return WINDOW.plusHours(offset).format(DateTimeFormatter.ofPattern("yyyyMMddHH"));
    }

    private static BigDecimal odsFare(long trip) {
        return lake.rows("ods_trips").stream().filter(r -> Long.valueOf(trip).equals(r.get("trip_id")))
                .map(r -> (BigDecimal) r.get("fare")).findFirst().orElse(null);
    }

    /** The lake's dws_city_hour over the window: "dh/city" to its figures but the average. */
    private static Map<String, String> cityHour() {
        Map<String, String> rows = new TreeMap<>();
        if (lake.tableExists("dws_city_hour")) {
            for (Map<String, Object> r : lake.rows("dws_city_hour")) {
                if (((String) r.get("dh")).compareTo(hour(HOURS)) < 0) {
                    rows.put(r.get("dh") + "/" + r.get("city_name"), r.get("trips") + " " + r.get("completed_fare") + " "
                            + r.get("fare_sum") + " " + r.get("riders") + " " + r.get("max_fare"));
                }
            }
        }
        return rows;
    }

    private static Map<String, String> mysqlCityHour() {
        Map<String, String> rows = new TreeMap<>();
        query("SELECT DATE_FORMAT(t.start_time, '%Y%m%d%H'), c.city_name, COUNT(*), SUM(CASE WHEN t.status = 1 THEN t.fare"
                + " ELSE 0 END), SUM(t.fare), COUNT(DISTINCT t.rider_id), MAX(t.fare) FROM trips t JOIN cities c"
                + " ON t.city_id = c.city_id WHERE t.trip_id < 900000 GROUP BY 1, 2",
                rs -> rows.put(rs.getString(1) + "/" + rs.getString(2), rs.getLong(3) + " " + rs.getBigDecimal(4) + " "
                        + rs.getBigDecimal(5) + " " + rs.getLong(6) + " " + rs.getBigDecimal(7)));
        return rows;
    }

    private static Map<String, String> riderDay() {
        Map<String, String> rows = new TreeMap<>();
        if (lake.tableExists("dws_rider_day")) {
            for (Map<String, Object> r : lake.rows("dws_rider_day")) {
                String ds = (String) r.get("ds");
                if (ds.compareTo(LAST_DAY.format(DateTimeFormatter.BASIC_ISO_DATE)) <= 0) {
                    rows.put(ds + "/" + r.get("rider_id"), r.get("trips") + " " + r.get("cities") + " " + r.get("max_fare")
                            + " " + r.get("fare_sum"));
                }
            }
        }
        return rows;
    }

    private static Map<String, String> mysqlRiderDay() {
        Map<String, String> rows = new TreeMap<>();
        query("SELECT DATE_FORMAT(start_time, '%Y%m%d'), rider_id, COUNT(*), COUNT(DISTINCT city_id), MAX(fare), SUM(fare)"
                + " FROM trips WHERE trip_id < 900000 GROUP BY 1, 2",
                rs -> rows.put(rs.getString(1) + "/" + rs.getInt(2), rs.getLong(3) + " " + rs.getLong(4) + " "
                        + rs.getBigDecimal(5) + " " + rs.getBigDecimal(6)));
        return rows;
    }

    private interface RowConsumer {
        void accept(ResultSet rs) throws Exception;
    }

    private static void query(String sql, RowConsumer each) {
        try (Connection c = mariaDb.connect("rides"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                each.accept(rs);
            }
        } catch (Exception e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static void execute(boolean binlogOff, String... statements) throws Exception {
        try (Connection c = mariaDb.connect("rides"); Statement s = c.createStatement()) {
            if (binlogOff) {
                s.execute("SET SESSION sql_log_bin = 0");
            }
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
