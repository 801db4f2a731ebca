package io.weir.backfill;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.Seals;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once a partition has sealed and been rebuilt in batch, the stream cannot spoil it: with the
 * stream running throughout, a non-summable aggregate (COUNT(DISTINCT), MAX) over a sealed day
 * that a backfill repaired keeps the batch value when the stream's stale state meets a later change,
 * a change committed while the backfill ran is not lost, and a rebuild after the late change equals
 * MySQL's own aggregate. The oracle is MySQL itself.
 */
class SealedPartitionConsistencyTest {

    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final String DS = "20230215";
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;
    static RunningStream stream;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        Path templates = Files.createDirectories(dir.resolve("templates"));
        try (var files = Files.list(TestConfs.templatesDir())) {
            for (Path f : files.toList()) {
                Files.copy(f, templates.resolve(f.getFileName()));
            }
        }
        Files.copy(Path.of(SealedPartitionConsistencyTest.class.getResource("/sealed/dws_user_stats.sql").toURI()),
                templates.resolve("dws_user_stats.sql"));
        // A payment day reads orders of the day before too (lookback 1d).
        String layers = TestConfs.exampleLayers().replace("    template: dws_users.sql\n", "    template: dws_users.sql\n    lookback: 1d\n")
                .replace("    template: dws_shops.sql\n", "    template: dws_shops.sql\n    lookback: 1d\n")
                + "\n  - name: dws_user_stats\n    template: dws_user_stats.sql\n"
                + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n    upstream: [dwd_orders]\n"
                + "    lookback: 1d\n";
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, "templates: " + templates + "\n"
                + TestConfs.standardSections(dir, mariaDb.port(), "order_dw")
                        .replace("restart-attempts: 0", "restart-attempts: 5\n  restart-delay: 1s")
                + "\n" + layers);
        conf = TestConfs.load(file);
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
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
    void aSealedRebuiltPartitionIsNeverSpoiledByTheStreamAndEndsEqualToMySql() throws Exception {
        stream = new StreamRunner(conf, session).start(conf.layers(), false);
        // Seal D: paid orders two days later move every watermark past D's end.
        execute(false, "INSERT INTO orders VALUES (100040, 'user_009', 12349, 1, 10.00, '2023-02-17 09:00:00', '2023-02-17 09:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2040, 100040, 0, '2023-02-17 09:30:00')");
        long dEnd = D.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        long nextDayEnd = D.plusDays(2).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        // Every table the backfills below are judged by: dwd_orders' watermark can pass D's end from the
        // orders input alone (the idle payments input is left out), before ods_orders_pay holds 2040.
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return lake.tableExists("dwd_orders") && lake.watermark("dwd_orders").orElse(Long.MIN_VALUE) >= dEnd
                    && lake.watermark("ods_orders").orElse(Long.MIN_VALUE) >= dEnd
                    && lake.watermark("ods_orders_pay").orElse(Long.MIN_VALUE) >= nextDayEnd
                    && stats().equals(mysqlStats());
        }, () -> "watermarks dwd=" + lake.watermark("dwd_orders") + " ods_orders=" + lake.watermark("ods_orders")
                + " ods_orders_pay=" + lake.watermark("ods_orders_pay") + " stats=" + stats() + " mysql=" + mysqlStats());

        // Rows the stream never sees (binlog off): user_001 gets a new shop and a new maximum on D, and
        // an order of D is paid the day after, so D's rebuild changes payment day D+1 too.
        execute(true, "INSERT INTO orders VALUES (100041, 'user_001', 12399, 2, 9000.00, '2023-02-15 09:00:00', '2023-02-15 09:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2041, 100041, 1, '2023-02-15 09:10:00')",
                "INSERT INTO orders VALUES (100043, 'user_002', 12350, 3, 7000.00, '2023-02-15 22:00:00', '2023-02-15 22:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2043, 100043, 1, '2023-02-16 10:00:00')");

        Renderer renderer = new Renderer(conf);
        Ledger ledger = new Ledger(lake);
        BackfillPlanner planner = new BackfillPlanner(conf, renderer, lake, ledger);
        BackfillRunner runner = new BackfillRunner(conf, session, renderer, lake, ledger);
        assertTrue(runner.run(planner.plan(new BackfillRequest("ods_orders_pay", D, D.plusDays(1), false, 1, 1, true, false)), 1,
                BackfillProgress.NONE).succeeded());

        // While the ODS backfill of D runs (its MySQL snapshot is taken), a change to D commits through
        // the stream; the overwrite would replace it with the older snapshot.
        BackfillProgress raceOnOds = new BackfillProgress() {
            @Override
            public void started(BackfillPlan plan) {}

            @Override
            public void chunkStarted(Chunk chunk) {
                if (!chunk.layer().name().equals("ods_orders")) {
                    return;
                }
                try {
                    execute(false, "UPDATE orders SET buy_fee = 2500.02 WHERE order_id = 100004");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Await.until(TIMEOUT, () -> new BigDecimal("2500.02").equals(odsFee(100004)),
                        () -> "ods fee of 100004: " + odsFee(100004));
            }

            /**
             * Once the cascade has built dws_user_stats, a change to D reaches dwd_orders through the
             * stream, whose sealed D dws_user_stats' stream keeps out of: only a rebuild brings it in.
             */
            @Override
            public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {
                if (!chunk.layer().name().equals("dws_user_stats") || !chunk.partitionValues().contains(DS)) {
                    return;
                }
                try {
                    execute(false, "UPDATE orders SET buy_fee = 6000.00 WHERE order_id = 100005");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Await.until(TIMEOUT, () -> new BigDecimal("6000.00").equals(dwdFee(100005)),
                        () -> "dwd_orders fee of 100005: " + dwdFee(100005));
            }

            @Override
            public void finished() {}
        };
        BackfillPlan cascadePlan = planner.plan(new BackfillRequest("ods_orders", D, D, true, 1, 1, true, false));
        BackfillResult cascade = runner.run(cascadePlan, 1, raceOnOds);
        assertTrue(cascade.succeeded(), cascade.failures().toString());
        assertEquals(new BigDecimal("2500.02"), odsFee(100004),
                "the change committed while the backfill ran must survive its overwrite");
        assertEquals("2/4000.04", stats().get("user_002"), "built before the change: " + stats());
        List<String> said = new java.util.ArrayList<>();
        List<String> unsettled = new LateChanges(planner, runner).settle(cascadePlan, cascade, 1, 1, false,
                () -> BackfillProgress.NONE, said::add);
        assertEquals(List.of(), unsettled);
        assertTrue(said.stream().anyMatch(line -> line.startsWith("Inputs of dws_user_stats changed after the run read"
                + " them: building ")), said.toString());
        assertEquals(mysqlStats(), stats(), "the backfill repaired D, and took the change made while it ran");
        assertTrue(stats().get("user_002").endsWith("/6000.00"), stats().toString());
        assertEquals(mysqlUsers(DS), users(DS), "dws_users repaired");
        assertEquals(mysqlUsers("20230216"), users("20230216"),
                "the cascade follows the lookback: payment day D+1 reads the rebuilt order day D");
        assertTrue(new Seals(lake).of("dws_user_stats").contains(DS), "D is sealed for dws_user_stats");
        assertTrue(cascade.streamKeepsOut().contains("dws_user_stats"), "weir backfill says so: " + cascade.streamKeepsOut());
        assertFalse(cascade.streamKeepsOut().contains("ods_orders"), "a copy's stream is not fenced: " + cascade.streamKeepsOut());
        Map<String, String> repaired = stats();

        // A later change to D reaches the stream, whose COUNT(DISTINCT)/MAX state lacks the repaired
        // rows. Once dwd_orders holds it, an order on an open day: the stream reads dwd_orders'
        // snapshots in order, so once that order is in dws_user_stats, the stream has processed the
        // change to D too. (Sent together, the two could share an ODS snapshot and reach DWD in
        // either order, across a checkpoint.)
        execute(false, "UPDATE orders SET buy_fee = 1500.00 WHERE order_id = 100006");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return new BigDecimal("1500.00").equals(dwdFee(100006));
        }, () -> "dwd_orders fee of 100006: " + dwdFee(100006));
        execute(false,
                "INSERT INTO orders VALUES (100042, 'user_008', 12345, 1, 20.00, '2023-02-18 09:00:00', '2023-02-18 09:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2042, 100042, 0, '2023-02-18 09:30:00')");
        Await.until(TIMEOUT, () -> {
            stream.checkHealthy();
            return statsOf("20230218").containsKey("user_008");
        }, () -> "dws_user_stats 20230218: " + statsOf("20230218"));
        assertEquals(repaired, stats(), "the stream's stale state must not overwrite the sealed partition");

        // The late change is batch's to apply: the rebuild is not skipped (its upstream changed) and
        // ends equal to MySQL.
        BackfillPlan latePlan = planner.plan(new BackfillRequest("dws_user_stats", D, D, false, 1, 1, false, false));
        BackfillResult late = runner.run(latePlan, 1, BackfillProgress.NONE);
        assertTrue(late.succeeded() && late.partitionsDone() == 1, late.failures() + " done=" + late.partitionsDone()
                + " skipped " + latePlan.layers().get(0).skipped());
        assertEquals(mysqlStats(), stats());
        stream.checkHealthy();

        // As the scheduler would: every layer's partitions whose input changed are rebuilt. Then
        // weir verify finds every layer equal to its batch recomputation over D and D+1.
        for (String layer : java.util.List.of("dws_users", "dws_shops")) {
            assertTrue(runner.run(planner.plan(new BackfillRequest(layer, D, D.plusDays(1), false, 31, 1, false, false)),
                    1, BackfillProgress.NONE).succeeded(), layer);
        }
        io.weir.backfill.verify.Verifier verifier = new io.weir.backfill.verify.Verifier(conf, session, renderer, lake);
        for (io.weir.runner.conf.LayerConf layer : conf.layers()) {
            if (!layer.partitioned()) {
                continue;
            }
            for (io.weir.backfill.verify.RowDiff.PartitionDiff diff : verifier.verify(layer, D, D.plusDays(1))) {
                assertTrue(diff.same(), layer.name() + " " + diff);
            }
        }
        assertEquals(mysqlUsers(DS), users(DS));

        // A row changed behind Weir's back is found, with its key and both values.
        var tEnv = session.tableEnvironment(org.apache.flink.api.common.RuntimeExecutionMode.BATCH,
                new org.apache.flink.configuration.Configuration());
        renderer.catalogStatements().forEach(tEnv::executeSql);
        tEnv.executeSql("INSERT INTO dws_user_stats VALUES ('" + DS + "', 'user_003', 99, 1.00)").await();
        java.util.List<io.weir.backfill.verify.RowDiff.PartitionDiff> planted =
                verifier.verify(conf.layer("dws_user_stats"), D, D);
        assertEquals(1, planted.get(0).differing(), planted.toString());
        assertEquals(0, planted.get(0).missing() + planted.get(0).extra(), planted.toString());
        assertTrue(planted.get(0).samples().get(0).contains("user_003") && planted.get(0).samples().get(0)
                .contains("found (ds=20230215, user_id=user_003, shops=99, max_fee=1.00)"), planted.toString());

        // A DWD row changed behind Weir's back, and dws_users rebuilt from it: dws_users equals a
        // recomputation from its input, so only verifying what it reads (its lookback reaches the day
        // before) shows that the input is stale.
        java.util.List<String> columns = lake.table("dwd_orders").rowType().getFieldNames();
        String changed = String.join(", ", columns.stream().map(c -> c.equals("order_fee") ? "order_fee + 100"
                : c.equals("order_update_time") ? "order_update_time + INTERVAL '1' HOUR" : c).toList());
        tEnv.executeSql("INSERT INTO dwd_orders SELECT " + changed + " FROM dwd_orders WHERE ds = '" + DS
                + "' AND order_id = 100005").await();
        assertTrue(runner.run(planner.plan(new BackfillRequest("dws_users", D, D, false, 1, 1, true, false)), 1,
                BackfillProgress.NONE).succeeded());
        io.weir.runner.conf.LayerConf dwsUsers = conf.layer("dws_users");
        io.weir.runner.conf.PartitionRange day = io.weir.runner.conf.PartitionRange.ofDays(D, D);
        assertEquals(java.util.List.of("ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders", "dws_users"),
                io.weir.backfill.verify.Verifier.withUpstream(conf, dwsUsers, day).keySet().stream()
                        .map(io.weir.runner.conf.LayerConf::name).toList());
        assertEquals(io.weir.runner.conf.PartitionRange.ofDays(D.minusDays(1), D),
                io.weir.backfill.verify.Verifier.withUpstream(conf, dwsUsers, day).get(conf.layer("dwd_orders")));
        java.util.List<io.weir.backfill.verify.RowDiff.PartitionDiff> own = verifier.verify(dwsUsers, day);
        assertTrue(own.stream().allMatch(io.weir.backfill.verify.RowDiff.PartitionDiff::same), own.toString());
        var inputs = verifier.verifyInputs(dwsUsers, day);
        assertEquals(java.util.List.of("ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders"),
                java.util.List.copyOf(inputs.keySet()));
        inputs.forEach((name, diffs) -> diffs.forEach(d -> assertEquals(!(name.equals("dwd_orders")
                && d.partition().equals(DS)), d.same(), name + " " + d)));
        io.weir.backfill.verify.RowDiff.PartitionDiff stale = inputs.get("dwd_orders").stream()
                .filter(d -> d.partition().equals(DS)).findFirst().orElseThrow();
        assertEquals(1, stale.differing(), stale.toString());
        assertEquals("note: dwd_orders differs from its own recomputation, so what dws_users was built from is stale"
                + " (its equal result proves only that it matches those inputs): `weir backfill --layer dwd_orders"
                + " --from " + DS + " --to " + DS + " --cascade` rebuilds it and everything it feeds",
                io.weir.backfill.verify.Verifier.staleInputNote("dws_users", inputs, own).orElseThrow());
        assertTrue(lake.catalog().listTables("weir").stream().noneMatch(t -> t.startsWith("verify_")),
                "the scratch tables are dropped");

        // An open day rebuilt while the stream, whose state never sees the rebuild, still writes it: said.
        LocalDate open = LocalDate.of(2023, 2, 18);
        BackfillResult openDay = runner.run(planner.plan(new BackfillRequest("dws_user_stats", open, open, false, 1, 1,
                true, true)), 1, BackfillProgress.NONE);
        assertTrue(openDay.succeeded(), openDay.failures().toString());
        assertEquals(Map.of("dws_user_stats", List.of("20230218")), openDay.staleStreamState());
        BackfillResult openCopy = runner.run(planner.plan(new BackfillRequest("ods_orders", open, open, false, 1, 1,
                true, true)), 1, BackfillProgress.NONE);
        assertEquals(Map.of(), openCopy.staleStreamState(), "a copy's stream writes each change as it comes");
    }

    private static BigDecimal odsFee(long orderId) {
        return lake.rowsOfPartitions("ods_orders", java.util.List.of(DS)).stream()
                .filter(r -> Long.valueOf(orderId).equals(r.get("order_id")))
                .map(r -> (BigDecimal) r.get("buy_fee")).findFirst().orElse(null);
    }

    private static BigDecimal dwdFee(long orderId) {
        return lake.rowsOfPartitions("dwd_orders", java.util.List.of(DS)).stream()
                .filter(r -> Long.valueOf(orderId).equals(r.get("order_id")))
                .map(r -> (BigDecimal) r.get("order_fee")).findFirst().orElse(null);
    }

    private static Map<String, String> stats() {
        return statsOf(DS);
    }

    private static Map<String, String> statsOf(String ds) {
        Map<String, String> stats = new TreeMap<>();
        if (lake.tableExists("dws_user_stats")) {
            for (Map<String, Object> row : lake.rowsOfPartitions("dws_user_stats", java.util.List.of(ds))) {
                stats.put((String) row.get("user_id"), row.get("shops") + "/" + row.get("max_fee"));
            }
        }
        return stats;
    }

    private static Map<String, BigDecimal> users(String ds) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (Map<String, Object> row : lake.rowsOfPartitions("dws_users", java.util.List.of(ds))) {
            totals.put((String) row.get("user_id"), (BigDecimal) row.get("paied_buy_fee_sum"));
        }
        return totals;
    }

    /** MySQL's own aggregate of the paid orders of payment day D. */
    private static Map<String, String> mysqlStats() {
        Map<String, String> stats = new TreeMap<>();
        query("SELECT o.user_id, COUNT(DISTINCT o.shop_id), MAX(o.buy_fee) FROM orders o JOIN orders_pay p"
                + " ON p.order_id = o.order_id WHERE DATE_FORMAT(p.create_time, '%Y%m%d') = '" + DS + "' GROUP BY o.user_id",
                rs -> stats.put(rs.getString(1), rs.getLong(2) + "/" + rs.getBigDecimal(3)));
        return stats;
    }

    private static Map<String, BigDecimal> mysqlUsers(String ds) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        query("SELECT o.user_id, SUM(o.buy_fee) FROM orders o JOIN orders_pay p ON p.order_id = o.order_id"
                + " WHERE DATE_FORMAT(p.create_time, '%Y%m%d') = '" + ds + "' GROUP BY o.user_id",
                rs -> totals.put(rs.getString(1), rs.getBigDecimal(2)));
        return totals;
    }

    private interface RowConsumer {
        void accept(ResultSet rs) throws Exception;
    }

    private static void query(String sql, RowConsumer each) {
        try (Connection c = mariaDb.connect("order_dw"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                each.accept(rs);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(boolean binlogOff, String... statements) throws Exception {
        SampleSource.execute(mariaDb, binlogOff, statements);
    }
}
