package io.weir.backfill;

import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backfills of the example warehouse, from MySQL up to DWS, with no stream running. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackfillTest {

    private static final LocalDate DAY = LocalDate.of(2023, 2, 15);
    private static final LocalDate NEXT = LocalDate.of(2023, 2, 16);

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static Ledger ledger;
    static Path flakyTemplate;
    static Path confFile;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        execute("INSERT INTO orders VALUES (100020, 'user_002', 12346, 1, 100.10, '2023-02-16 08:00:00', '2023-02-16 08:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2020, 100020, 1, '2023-02-16 09:00:00')");
        Path templates = dir.resolve("templates");
        Files.createDirectories(templates);
        try (Stream<Path> files = Files.list(TestConfs.templatesDir())) {
            for (Path f : files.toList()) {
                Files.copy(f, templates.resolve(f.getFileName()));
            }
        }
        flakyTemplate = templates.resolve("dws_flaky.sql");
        Files.writeString(flakyTemplate, "CREATE TABLE IF NOT EXISTS dws_flaky (user_id STRING NOT NULL, ds STRING NOT NULL,"
                + " n INT, PRIMARY KEY (user_id, ds) NOT ENFORCED) PARTITIONED BY (ds);\n"
                + "INSERT INTO dws_flaky SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds,\n"
                + "  CAST(CASE WHEN DATE_FORMAT(pay_create_time, 'yyyyMMdd') = '20230215' THEN '2' ELSE '1' END AS INT)\n"
                + "FROM dwd_orders WHERE pay_id IS NOT NULL\n"
                + "  AND DATE_FORMAT(pay_create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';\n");
        Files.writeString(templates.resolve("dws_users_hourly.sql"), "CREATE TABLE IF NOT EXISTS dws_users_hourly ("
                + "user_id STRING NOT NULL, dh STRING NOT NULL, total DECIMAL(20, 2),"
                + " PRIMARY KEY (user_id, dh) NOT ENFORCED) PARTITIONED BY (dh);\n"
                + "INSERT INTO dws_users_hourly SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMddHH') AS dh,"
                + " SUM(order_fee) FROM dwd_orders WHERE pay_id IS NOT NULL AND order_fee IS NOT NULL"
                + " AND DATE_FORMAT(pay_create_time, 'yyyyMMddHH') BETWEEN '${start_date}' AND '${end_date}'"
                + " GROUP BY order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMddHH');\n");
        String layers = TestConfs.exampleLayers() + "  - name: dws_flaky\n    template: dws_flaky.sql\n"
                + "    partition: { column: ds }\n    upstream: [dwd_orders]\n"
                + "  - name: dws_users_hourly\n    template: dws_users_hourly.sql\n"
                + "    partition: { column: dh, format: yyyyMMddHH, granularity: hour }\n    upstream: [dwd_orders]\n";
        Path file = TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), "order_dw"), layers);
        Files.writeString(file, Files.readString(file).replace("templates: " + TestConfs.templatesDir(), "templates: " + templates));
        conf = TestConfs.load(file);
        confFile = file;
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
        ledger = new Ledger(lake);
    }

    @AfterAll
    static void stop() throws Exception {
        lake.close();
        session.close();
        mariaDb.close();
    }

    @Test
    @Order(1)
    void odsFromMySqlThenCascadeBuildsTheSeedTotals() {
        assertTrue(run("ods_product_catalog", DAY, DAY, false, 1, 1).succeeded());
        assertTrue(run("ods_orders_pay", DAY, NEXT, false, 1, 1).succeeded());
        BackfillResult result = run("ods_orders", DAY, NEXT, true, 31, 1);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"),
                Totals.of(lake, "dws_users", "user_id", "20230215"));
        assertEquals(Totals.expected("12345", "5000.05", "12346", "4000.04", "12347", "7000.07", "12348", "2000.02"),
                Totals.of(lake, "dws_shops", "shop_id", "20230215"));
        assertEquals(Totals.expected("user_002", "100.10"), Totals.of(lake, "dws_users", "user_id", "20230216"));

        List<LedgerEntry> runs = ledger.run(result.runId());
        assertEquals(2 * 5 + 2 * 24, runs.size(),
                "ods_orders, dwd_orders, dws_users, dws_shops, dws_flaky x 2 days, dws_users_hourly x 48 hours: " + runs);
        LedgerEntry dws = runs.stream().filter(e -> e.table().equals("dws_users") && e.partition().equals("20230215"))
                .findFirst().orElseThrow();
        assertEquals(RunStatus.DONE, dws.status());
        assertEquals(3, dws.rowsWritten());
        assertEquals("cascade", dws.mode());
        assertEquals("2023-02-15", dws.windowStart());
        assertTrue(dws.upstream().contains("\"dwd_orders\":{\"snapshot\":"), dws.upstream());
        assertEquals(new Renderer(conf).template(conf.layer("dws_users")).logicHash(), dws.sqlHash());
        assertTrue(listTables().stream().noneMatch(t -> t.startsWith("stg_")),
                "staging tables are dropped: " + listTables());
    }

    @Test
    @Order(2)
    void rerunSkipsPartitionsDoneWithTheSameSqlUnlessForced() {
        BackfillPlan again = planner().plan(request("dws_users", DAY, NEXT, false, 1, false));
        assertEquals(List.of("20230215", "20230216"), again.layers().get(0).skipped());
        assertEquals(0, again.partitionCount());
        BackfillPlan forced = planner().plan(request("dws_users", DAY, NEXT, false, 1, true));
        assertEquals(2, forced.partitionCount());
        // MySQL cannot say what changed in it (a change without the binlog): asked for, ODS re-reads it.
        BackfillPlan source = planner().plan(request("ods_orders", DAY, NEXT, false, 1, false));
        assertEquals(List.of(), source.layers().get(0).skipped());
        assertEquals(2, source.partitionCount());
    }

    /**
     * A file's time is its writer's wall clock, read in this JVM's zone: a cluster twelve hours west
     * makes every file look half a day older than it is, a write after the build included. The
     * digest of the partition's files that the build recorded still tells the change.
     */
    @Test
    @Order(3)
    void aWriteFromAWriterInAZoneFarWestIsStillLateData() throws Exception {
        io.weir.runner.conf.Partition day = conf.layer("dws_users").partition().orElseThrow().partitionOf(DAY.atStartOfDay());
        // The day's orders as such a cluster leaves them: every file rewritten there.
        inZoneFarWest(() -> {
            io.weir.runner.LakeWrites.writeBackAllRows(lake, "dwd_orders", "20230215");
            io.weir.runner.LakeWrites.compact(lake, "dwd_orders", "20230215");
        });
        BackfillResult built = run("dws_users", DAY, DAY, false, 1, 1);
        assertTrue(built.succeeded(), built.failures().toString());
        assertEquals(List.of(), missing("dws_users", day), "built after the rewrite");
        LedgerEntry build = ledger.latestByPartition(conf.name(), "dws_users").get("20230215");
        assertTrue(UpstreamRead.digests(build, "dwd_orders").orElseThrow().containsKey("20230215"), build.upstream());

        inZoneFarWest(() -> io.weir.runner.LakeWrites.writeBackOneRow(lake, "dwd_orders", "20230215"));
        long newest = lake.partitionsLastWritten("dwd_orders").get("20230215");
        assertTrue(newest < build.startedAt().toInstant(java.time.ZoneOffset.UTC).toEpochMilli() - 3_600_000,
                "every file, the new one too, looks older than the build: " + java.time.Instant.ofEpochMilli(newest));
        List<MissingPartitions.Missing> missing = missing("dws_users", day);
        assertEquals(1, missing.size(), "the write is after the build, whatever its clock says");
        assertEquals(MissingPartitions.Reason.UPSTREAM_CHANGED, missing.get(0).reason());
        assertTrue(missing.get(0).why().contains("dwd_orders partition 20230215"), missing.get(0).why());

        BackfillResult rebuilt = run("dws_users", DAY, DAY, false, 1, 1);
        assertTrue(rebuilt.succeeded(), rebuilt.failures().toString());
        assertEquals(Totals.expected("user_001", "8000.08", "user_002", "5000.05", "user_003", "5000.05"),
                Totals.of(lake, "dws_users", "user_id", "20230215"));
        assertEquals(List.of(), missing("dws_users", day), "rebuilt after the write: up to date");
    }

    /**
     * A compaction gives an upstream partition other files with the same rows. Once the table's
     * history has shown that, the proof outlives the history: after the snapshots expire, a
     * long-lived planner (the scheduler's) still leaves the partition built, where one without the
     * proof must take it as changed.
     */
    @Test
    @Order(12)
    void aCompactionProvenOnceNeedsNoHistoryAfterwards() throws Exception {
        io.weir.runner.conf.Partition day = conf.layer("dws_users").partition().orElseThrow().partitionOf(DAY.atStartOfDay());
        // A second file for the compaction to merge, read by a build.
        io.weir.runner.LakeWrites.writeBackOneRow(lake, "dwd_orders", "20230215");
        BackfillResult built = run("dws_users", DAY, DAY, false, 1, 1);
        assertTrue(built.succeeded(), built.failures().toString());
        assertEquals(List.of(), missing("dws_users", day));
        String read = lake.partitionFiles("dwd_orders").get("20230215").digest();
        io.weir.runner.LakeWrites.compact(lake, "dwd_orders", "20230215");
        assertNotEquals(read, lake.partitionFiles("dwd_orders").get("20230215").digest(), "the compaction wrote new files");
        MissingPartitions longLived = new MissingPartitions(conf, lake);
        assertEquals(List.of(), missing(longLived, day), "a compaction changes no row");

        expireAllButTheNewestSnapshot("dwd_orders");
        List<MissingPartitions.Missing> withoutProof = missing("dws_users", day);
        assertEquals(List.of(MissingPartitions.Reason.UPSTREAM_CHANGED),
                withoutProof.stream().map(MissingPartitions.Missing::reason).toList(),
                "with the history gone, other files may hold other rows");
        assertEquals(List.of(), missing(longLived, day), "proven the same rows while the history was there");
    }

    /**
     * A drop whose snapshot has expired leaves no trace in the table's history. The build's record
     * still says the partition held files, and none holds it now: a drop, unless the table's own
     * partition expiration would have removed it by now.
     */
    @Test
    @Order(14)
    void aDropWhoseSnapshotExpiredIsStillSeen() throws Exception {
        io.weir.runner.conf.Partition day = conf.layer("dws_users").partition().orElseThrow().partitionOf(DAY.atStartOfDay());
        BackfillResult built = run("dws_users", DAY, DAY, false, 1, 1);
        assertTrue(built.succeeded(), built.failures().toString());
        assertEquals(List.of(), missing("dws_users", day));
        LedgerEntry build = ledger.latestByPartition(conf.name(), "dws_users").get("20230215");
        assertNotEquals(io.weir.runner.lake.PartitionFiles.NONE,
                UpstreamRead.digests(build, "dwd_orders").orElseThrow().get("20230215"), "the build read files");

        io.weir.runner.LakeWrites.copyOneRow(lake, "dwd_orders", "20230215", "20230301");
        lake.dropPartitions("dwd_orders", List.of("20230215"));
        // A later commit, so that the drop's snapshot can expire.
        io.weir.runner.LakeWrites.copyOneRow(lake, "dwd_orders", "20230301", "20230302");
        expireAllButTheNewestSnapshot("dwd_orders");
        assertFalse(new io.weir.runner.lake.PartitionRemovals(lake).of("dwd_orders").containsKey("20230215"),
                "the drop's snapshot has expired");
        List<MissingPartitions.Missing> missing = missing("dws_users", day);
        assertEquals(List.of(MissingPartitions.Reason.UPSTREAM_CHANGED),
                missing.stream().map(MissingPartitions.Missing::reason).toList());
        assertTrue(missing.get(0).why().contains("dwd_orders partition 20230215"), missing.get(0).why());

        lake.catalog().alterTable(org.apache.paimon.catalog.Identifier.create(lake.database(), "dwd_orders"),
                org.apache.paimon.schema.SchemaChange.setOption("partition.expiration-time", "7 d"), false);
        assertEquals(List.of(), missing("dws_users", day), "a partition years past dwd_orders' own expiration");
        lake.catalog().alterTable(org.apache.paimon.catalog.Identifier.create(lake.database(), "dwd_orders"),
                org.apache.paimon.schema.SchemaChange.removeOption("partition.expiration-time"), false);
    }

    private static void expireAllButTheNewestSnapshot(String table) {
        lake.table(table).newExpireSnapshots().config(org.apache.paimon.options.ExpireConfig.builder()
                .snapshotMaxDeletes(Integer.MAX_VALUE).snapshotRetainMax(1).snapshotRetainMin(1)
                .snapshotTimeRetain(java.time.Duration.ZERO).build()).expire();
    }

    private static List<MissingPartitions.Missing> missing(MissingPartitions planner, io.weir.runner.conf.Partition day) {
        return planner.of(conf.layer("dws_users"), List.of(day), ledger.latestByPartition(conf.name(), "dws_users"),
                null, java.time.Instant.now());
    }

    private interface LakeWrite {
        void run() throws Exception;
    }

    /** Runs writes with this JVM's clock zone twelve hours west of its own, as a far cluster's writers. */
    private static void inZoneFarWest(LakeWrite write) throws Exception {
        java.util.TimeZone zone = java.util.TimeZone.getDefault();
        int offset = zone.toZoneId().getRules().getOffset(java.time.Instant.now()).getTotalSeconds();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone(
                java.time.ZoneOffset.ofTotalSeconds(Math.max(-18 * 3600, offset - 12 * 3600))));
        try {
            write.run();
        } finally {
            java.util.TimeZone.setDefault(zone);
        }
    }

    private static List<MissingPartitions.Missing> missing(String layer, io.weir.runner.conf.Partition partition) {
        return new MissingPartitions(conf, lake).of(conf.layer(layer), List.of(partition),
                ledger.latestByPartition(conf.name(), layer), null, java.time.Instant.now());
    }

    @Test
    @Order(5)
    void changedSourceDataAndEmptiedPartitionsAreReplaced() throws Exception {
        execute("UPDATE orders SET buy_fee = 4100.04 WHERE order_id = 100002",
                "DELETE FROM orders_pay WHERE pay_id = 2020", "DELETE FROM orders WHERE order_id = 100020");
        // Both forms must clear the emptied day: one static overwrite per partition (batch size 1),
        // and a dynamic overwrite of the whole range followed by dropping what it did not write.
        assertTrue(runForced("ods_orders_pay", DAY, NEXT, false, 1).succeeded());
        assertEquals(0L, lake.partitionRecordCounts("ods_orders_pay").getOrDefault("20230216", 0L));
        BackfillResult result = runForced("ods_orders", DAY, NEXT, true, 31);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(Totals.expected("user_001", "8000.08", "user_002", "5100.05", "user_003", "5000.05"),
                Totals.of(lake, "dws_users", "user_id", "20230215"));
        assertEquals(Map.of(), Totals.of(lake, "dws_users", "user_id", "20230216"), "an emptied partition is cleared");
        assertEquals(0L, lake.partitionRecordCounts("ods_orders").getOrDefault("20230216", 0L));
        assertEquals(0L, lake.partitionRecordCounts("dwd_orders").getOrDefault("20230216", 0L));
    }

    /** A stopped runner (a scheduler's --duration ran out) lets running jobs end and starts no more. */
    @Test
    @Order(6)
    void aStoppedRunnerStartsNoFurtherChunk() {
        BackfillPlan plan = planner().plan(request("dws_shops", LocalDate.of(2023, 2, 13), NEXT, false, 1, true));
        assertEquals(4, plan.layers().get(0).chunks().size());
        java.util.concurrent.atomic.AtomicReference<BackfillRunner> runner = new java.util.concurrent.atomic.AtomicReference<>();
        runner.set(new BackfillRunner(conf, session, new Renderer(conf), lake, ledger));
        BackfillResult result = runner.get().run(plan, 1, new BackfillProgress() {
            @Override
            public void started(BackfillPlan p) {}

            @Override
            public void chunkStarted(Chunk chunk) {
                runner.get().stop(); // stop while the first chunk's job runs
            }

            @Override
            public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {}

            @Override
            public void finished() {}
        });
        assertEquals(1, result.partitionsDone(), "the running chunk finished");
        assertEquals(0, result.partitionsFailed());
        assertEquals(1, ledger.run(plan.runId()).size(), "the chunks not started are not recorded: they stay due");
    }

    /**
     * Another run (a scheduler tick, say) claimed a partition after this run planned it: this run
     * leaves that chunk to it, names the run, records nothing for it, and builds the rest.
     */
    @Test
    @Order(7)
    void aChunkAnotherLiveRunClaimedAfterThePlanIsLeftToIt() {
        BackfillPlan plan = planner().plan(request("dws_shops", DAY, NEXT, false, 1, true));
        assertEquals(2, plan.layers().get(0).chunks().size());
        java.time.LocalDateTime now = java.time.LocalDateTime.now(java.time.ZoneOffset.UTC);
        LedgerEntry held = new LedgerEntry("20230215-other-run", "dws_shops", "20230215", conf.name(), "dws_shops", "schedule",
                "2023-02-15", "2023-02-15", "hash", "{}", 0, RunStatus.RUNNING, null, now, null, null)
                .withLease(new Lease(Lease.currentOwner(), java.time.Instant.now()));
        ledger.record(List.of(held));
        try {
            BackfillResult result = new BackfillRunner(conf, session, new Renderer(conf), lake, ledger)
                    .run(plan, 1, BackfillProgress.NONE);
            assertTrue(result.succeeded(), result.failures().toString());
            assertEquals(1, result.partitionsDone());
            assertEquals(1, result.leftToOthers().size(), result.leftToOthers().toString());
            assertTrue(result.leftToOthers().get(0).contains("20230215") && result.leftToOthers().get(0).contains(
                    "run 20230215-other-run (" + Lease.currentOwner() + ") is building it now; left to it"), result.leftToOthers().toString());
            assertEquals(List.of("20230216"), ledger.run(plan.runId()).stream().map(LedgerEntry::partition).toList());
            assertEquals("20230215-other-run", ledger.latest(conf.name(), "dws_shops", "20230215").orElseThrow().runId());
        } finally {
            ledger.record(List.of(held.finished(RunStatus.FAILED, 0, "a stand-in run", now)));
        }
    }

    @Test
    @Order(7)
    void multiPartitionChunksRunConcurrently() {
        BackfillPlan plan = planner().plan(request("dws_shops", LocalDate.of(2023, 2, 13), NEXT, false, 2, true));
        assertEquals(2, plan.layers().get(0).chunks().size());
        BackfillResult result = new BackfillRunner(conf, session, new Renderer(conf), lake, ledger)
                .run(plan, 2, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(4, result.partitionsDone());
        assertEquals(Totals.expected("12345", "5000.05", "12346", "4100.04", "12347", "7000.07", "12348", "2000.02"),
                Totals.of(lake, "dws_shops", "shop_id", "20230215"));
    }

    @Test
    @Order(8)
    void badInputIsRejectedAndRecordsNothing() throws Exception {
        int before = ledger.entries().size();
        assertBadInput(() -> planner().plan(request("dws_users", NEXT, DAY, false, 1, true)), "--from 2023-02-16 is after --to 2023-02-15");
        assertBadInput(() -> planner().plan(request("dws_user", DAY, DAY, false, 1, true)), "unknown layer 'dws_user'");
        assertBadInput(() -> planner().plan(request("dws_users", LocalDate.of(2023, 1, 10), LocalDate.of(2023, 1, 11), false, 1, true)),
                "ends before the first data of dwd_orders (its first partition is 20230215)");
        assertBadInput(() -> planner().plan(request("ods_orders", LocalDate.of(2022, 1, 1), LocalDate.of(2022, 1, 2), false, 1, true)),
                "ends before pipeline.start-date 2023-01-01");
        assertBadInput(() -> planner().retry("no-such-run", 1, 1), "no run 'no-such-run' in the ledger");
        assertEquals(before, ledger.entries().size(), "nothing recorded");

        String declared = "    upstream: [dwd_orders]\n  - name: dws_users_hourly";
        Path undeclaredFile = dir.resolve("undeclared-upstream.yaml");
        Files.writeString(undeclaredFile, Files.readString(confFile).replace(declared, declared.replace("dwd_orders", "ods_orders")));
        PipelineConf undeclared = TestConfs.load(undeclaredFile);
        assertEquals(List.of("ods_orders"), undeclared.layer("dws_flaky").upstream());
        // Refused while planning, before a run is named.
        assertBadInput(() -> new BackfillPlanner(undeclared, new Renderer(undeclared), lake, ledger)
                .plan(request("dws_flaky", DAY, DAY, false, 1, true)), "layer 'dws_flaky' reads dwd_orders, the table of layer 'dwd_orders',"
                + " but layers[" + undeclared.layers().indexOf(undeclared.layer("dws_flaky")) + "].upstream [ods_orders] does not list it");
        assertEquals(before, ledger.entries().size(), "refused before any partition ran: nothing recorded");

        // A cascade from one ODS layer, into a join whose other input holds nothing yet.
        PipelineConf fresh = conf.withWarehouse(new io.weir.runner.conf.WarehouseConf(dir.resolve("fresh-warehouse").toUri()
                .toString(), conf.warehouse().database(), Map.of(), conf.warehouse().ledgerDatabase()));
        try (Lake freshLake = new Lake(fresh.warehouse())) {
            assertBadInput(() -> new BackfillPlanner(fresh, new Renderer(fresh), freshLake, new Ledger(freshLake))
                    .plan(request("ods_orders", DAY, DAY, true, 1, false)),
                    "layer 'dwd_orders': upstream table ods_orders_pay holds no data yet; run or backfill ods_orders_pay first");
        }
    }

    @Test
    @Order(9)
    void retryRerunsOnlyTheFailedPartitionsOfTheOriginalWindow() throws Exception {
        // Break the layer for one day only: the cast fails on 20230215's rows.
        Files.writeString(flakyTemplate, Files.readString(flakyTemplate).replace("THEN '2'", "THEN 'broken'"));
        BackfillResult first = run("dws_flaky", DAY, NEXT, false, 1, 1);
        assertEquals(1, first.partitionsFailed());
        assertEquals(1, first.partitionsDone());
        assertTrue(first.failures().get(0).startsWith("dws_flaky 20230215: "), first.failures().toString());
        LedgerEntry failed = ledger.latest(conf.name(), "dws_flaky", "20230215").orElseThrow();
        assertEquals(RunStatus.FAILED, failed.status());
        assertTrue(failed.error() != null && !failed.error().isBlank());

        Files.writeString(flakyTemplate, Files.readString(flakyTemplate).replace("THEN 'broken'", "THEN '2'"));
        BackfillPlan retry = new BackfillPlanner(conf, new Renderer(conf), lake, ledger).retry(first.runId(), 1, 1);
        assertEquals(1, retry.partitionCount(), "only the failed partition");
        assertEquals(first.runId(), retry.retryOf());
        assertEquals(DAY, retry.from());
        assertEquals(NEXT, retry.to(), "the original window, not one computed from today");
        BackfillResult second = new BackfillRunner(conf, session, new Renderer(conf), lake, ledger)
                .run(retry, 1, BackfillProgress.NONE);
        assertTrue(second.succeeded(), second.failures().toString());
        assertEquals(RunStatus.DONE, ledger.latest(conf.name(), "dws_flaky", "20230215").orElseThrow().status());
        assertEquals(first.runId(), ledger.run(second.runId()).get(0).retryOf());
    }

    /**
     * A template that fills the partition column from the wrong expression (user ids, not days):
     * every row falls outside the range, and the overwrite would empty the partitions while
     * reporting success. The job fails instead, naming the value, and the table keeps its rows.
     */
    @Test
    @Order(10)
    void aPartitionColumnFilledFromTheWrongExpressionFailsAndKeepsTheRows() throws Exception {
        BackfillResult built = runForced("dws_flaky", DAY, NEXT, false, 31);
        assertTrue(built.succeeded(), built.failures().toString());
        List<Map<String, Object>> before = lake.rows("dws_flaky");
        assertFalse(before.isEmpty());
        String good = Files.readString(flakyTemplate);
        String swapped = good.replace("SELECT order_user_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds,",
                "SELECT DATE_FORMAT(pay_create_time, 'yyyyMMdd'), order_user_id AS ds,");
        assertNotEquals(good, swapped);
        Files.writeString(flakyTemplate, swapped);
        try {
            for (LocalDate to : List.of(NEXT, DAY)) { // a range (dynamic overwrite), then one partition (static)
                BackfillResult result = runForced("dws_flaky", DAY, to, false, 31);
                assertFalse(result.succeeded(), "the run must fail, not empty the partitions");
                assertTrue(result.failures().get(0).startsWith("dws_flaky 20230215" + (to.equals(DAY) ? "" : "..20230216")
                        + ": the query gave ds = user_00"), result.failures().toString());
                assertTrue(result.failures().toString().contains("the query gave ds = user_00")
                        && result.failures().toString().contains("which is not a partition value of format yyyyMMdd"),
                        result.failures().toString());
                assertEquals(before.toString(), lake.rows("dws_flaky").toString(), "the table keeps its rows");
            }
        } finally {
            Files.writeString(flakyTemplate, good);
        }
    }

    @Test
    @Order(11)
    void hourlyPartitionsWorkLikeDailyOnes() {
        BackfillPlan plan = planner().plan(request("dws_users_hourly", DAY, DAY, false, 6, true));
        assertEquals(24, plan.partitionCount());
        assertEquals(4, plan.layers().get(0).chunks().size(), "24 hours in chunks of 6");
        assertEquals("2023021500", plan.layers().get(0).chunks().get(0).partitions().get(0).value());
        BackfillResult result = new BackfillRunner(conf, session, new Renderer(conf), lake, ledger)
                .run(plan, 2, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
        assertEquals(24, result.partitionsDone());

        Map<String, java.math.BigDecimal> daily = new java.util.TreeMap<>();
        for (Map<String, Object> row : lake.rows("dws_users_hourly")) {
            String hour = (String) row.get("dh");
            if (hour.startsWith("20230215")) {
                daily.merge((String) row.get("user_id"), (java.math.BigDecimal) row.get("total"), java.math.BigDecimal::add);
            }
        }
        assertEquals(Totals.of(lake, "dws_users", "user_id", "20230215"), daily, "the hours add up to the day");
        assertTrue(lake.partitionRecordCounts("dws_users_hourly").containsKey("2023021517"), "payments at 17:40 land in hour 17");

        // One hour, named by its partition value, rebuilds that hour and nothing else.
        long hour17 = lake.partitionRecordCounts("dws_users_hourly").get("2023021517");
        io.weir.runner.conf.PartitionRange oneHour = io.weir.runner.conf.PartitionRange.parse(
                conf.layer("dws_users_hourly"), "--from", "2023021517", "--to", "2023-02-15 17:00");
        BackfillPlan hour = planner().plan(new BackfillRequest("dws_users_hourly", oneHour, false, 6, 1, true, false));
        assertEquals(List.of("2023021517"), hour.layers().get(0).chunks().stream()
                .flatMap(c -> c.partitions().stream()).map(io.weir.runner.conf.Partition::value).toList());
        BackfillResult rebuilt = new BackfillRunner(conf, session, new Renderer(conf), lake, ledger)
                .run(hour, 1, BackfillProgress.NONE);
        assertTrue(rebuilt.succeeded(), rebuilt.failures().toString());
        assertEquals(hour17, lake.partitionRecordCounts("dws_users_hourly").get("2023021517"));
        assertEquals(rebuilt.runId(), ledger.latest(conf.name(), "dws_users_hourly", "2023021517").orElseThrow().runId());
        assertEquals(result.runId(), ledger.latest(conf.name(), "dws_users_hourly", "2023021516").orElseThrow().runId(),
                "the hour before is untouched");
    }

    /**
     * An upstream partition dropped after its downstream was built leaves no file to date the change
     * by; the downstream is still stale, unless the table's own partition expiration removed it.
     */
    @Test
    @Order(4)
    void aDroppedUpstreamPartitionMakesItsDownstreamStaleUnlessItExpired() throws Exception {
        assertEquals(0, planner().plan(request("dws_users", NEXT, NEXT, false, 1, false)).partitionCount());
        lake.dropPartitions("dwd_orders", List.of("20230216"));

        BackfillPlan users = planner().plan(request("dws_users", NEXT, NEXT, false, 1, false));
        assertEquals(1, users.partitionCount(), "dws_users reads the dropped partition: " + users.layers());
        MissingPartitions.Missing why = new MissingPartitions(conf, lake).of(conf.layer("dws_users"),
                List.of(conf.layer("dws_users").partition().orElseThrow().partitionOf(NEXT.atStartOfDay())),
                ledger.latestByPartition(conf.name(), "dws_users"), null, java.time.Instant.now()).get(0);
        assertEquals(MissingPartitions.Reason.UPSTREAM_CHANGED, why.reason());
        assertTrue(why.why().contains("dwd_orders partition 20230216"), why.why());
        assertEquals(1, planner().plan(request("dws_shops", NEXT, NEXT, false, 1, false)).partitionCount());

        lake.catalog().alterTable(org.apache.paimon.catalog.Identifier.create(lake.database(), "dwd_orders"),
                org.apache.paimon.schema.SchemaChange.setOption("partition.expiration-time", "7 d"), false);
        assertEquals(0, planner().plan(request("dws_shops", NEXT, NEXT, false, 1, false)).partitionCount(),
                "a partition dropped years after its day is taken for dwd_orders' own expiration");
        lake.catalog().alterTable(org.apache.paimon.catalog.Identifier.create(lake.database(), "dwd_orders"),
                org.apache.paimon.schema.SchemaChange.removeOption("partition.expiration-time"), false);

        BackfillResult rebuilt = run("dws_users", NEXT, NEXT, false, 1, 1);
        assertTrue(rebuilt.succeeded(), rebuilt.failures().toString());
        assertEquals(1, rebuilt.partitionsDone());
        assertEquals(Map.of(), Totals.of(lake, "dws_users", "user_id", "20230216"), "the batch recomputation is empty");
        assertEquals(0, planner().plan(request("dws_users", NEXT, NEXT, false, 1, false)).partitionCount(),
                "built after the drop: up to date");
    }

    private static BackfillResult run(String layer, LocalDate from, LocalDate to, boolean cascade, int batchSize, int concurrency) {
        Renderer renderer = new Renderer(conf);
        BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                .plan(request(layer, from, to, cascade, batchSize, false));
        return new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, concurrency, BackfillProgress.NONE);
    }

    private static BackfillResult runForced(String layer, LocalDate from, LocalDate to, boolean cascade, int batchSize) {
        Renderer renderer = new Renderer(conf);
        BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger).plan(request(layer, from, to, cascade, batchSize, true));
        return new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
    }

    private static BackfillRequest request(String layer, LocalDate from, LocalDate to, boolean cascade, int batchSize, boolean force) {
        return new BackfillRequest(layer, from, to, cascade, batchSize, 1, force, false);
    }

    private static BackfillPlanner planner() {
        return new BackfillPlanner(conf, new Renderer(conf), lake, ledger);
    }

    private static void assertBadInput(org.junit.jupiter.api.function.Executable action, String message) {
        WeirException e = assertThrows(WeirException.class, action);
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static List<String> listTables() {
        try {
            return lake.catalog().listTables("weir");
        } catch (Exception e) {
            return List.of(e.toString());
        }
    }

    private static void execute(String... statements) throws Exception {
        SampleSource.execute(mariaDb, statements);
    }
}
