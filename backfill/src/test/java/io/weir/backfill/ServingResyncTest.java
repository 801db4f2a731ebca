package io.weir.backfill;

import io.weir.runner.SampleServing;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backfill that rewrites a partition replaces it in the serving store too (an overwrite reaches
 * no stream), in one transaction: seed 000's point query answers the new total, and a reader polling
 * the partition throughout sees the old partition or the new one, never a mix.
 */
class ServingResyncTest {

    private static final LocalDate D = LocalDate.of(2023, 2, 15);
    private static final String POINT_QUERY = "SELECT * FROM dws_users WHERE user_id = 'user_001' AND ds = '20230215'";
    private static final String PARTITION = "SELECT count(*) || ' rows, ' || coalesce(sum(paied_buy_fee_sum), 0)"
            + " FROM dws_users WHERE ds = '20230215'";

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static EmbeddedPostgres postgres;
    static FlinkSession session;
    static PipelineConf conf;
    static Lake lake;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        postgres = SampleServing.start(dir);
        conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                + SampleServing.section(postgres.port(), SampleServing.DATABASE, "public")));
        session = FlinkSession.start(conf.flink());
        lake = new Lake(conf.warehouse());
    }

    @AfterAll
    static void stop() throws Exception {
        lake.close();
        session.close();
        postgres.close();
        mariaDb.close();
    }

    @Test
    void aBackfilledPartitionIsReplacedInServingAtomically() throws Exception {
        backfill("ods_product_catalog", false);
        backfill("ods_orders_pay", false);
        backfill("ods_orders", true);
        assertEquals("8000.08", query(POINT_QUERY, 3));
        String before = query(PARTITION, 1);

        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = 2000.00, update_time = '2023-02-15 19:00:00'"
                + " WHERE order_id = 100001");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            try (Connection c = postgres.connect("weir"); Statement s = c.createStatement()) {
                while (reading.get()) {
                    try (ResultSet rs = s.executeQuery(PARTITION)) {
                        rs.next();
                        seen.add(rs.getString(1));
                    }
                }
            } catch (Exception e) {
                seen.add(e.toString());
            }
        });
        reader.start();
        backfill("ods_orders", true);
        reading.set(false);
        reader.join();

        assertEquals("5000.03", query(POINT_QUERY, 3), "the point query answers the backfilled total");
        String after = query(PARTITION, 1);
        assertNotEquals(before, after);
        assertTrue(seen.size() > 10, "the reader polled throughout: " + seen.size());
        for (String observation : seen) {
            assertTrue(observation.equals(before) || observation.equals(after),
                    "a reader saw neither the old partition (" + before + ") nor the new (" + after + "): " + observation);
        }

        // weir verify --serving: the re-synced partition equals the lake; a row changed in the serving
        // store behind Weir's back is found.
        io.weir.backfill.verify.Verifier verifier = new io.weir.backfill.verify.Verifier(conf, session,
                new Renderer(conf), lake);
        io.weir.backfill.verify.RowDiff.PartitionDiff equal = verifier.verifyServing(conf.layer("dws_users"), D, D).get(0);
        assertTrue(equal.same() && equal.equal() > 0, equal.toString());
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement()) {
            s.execute("UPDATE dws_users SET paied_buy_fee_sum = 1.00 WHERE user_id = 'user_002' AND ds = '20230215'");
            s.execute("DELETE FROM dws_users WHERE user_id = 'user_003' AND ds = '20230215'");
        }
        io.weir.backfill.verify.RowDiff.PartitionDiff planted = verifier.verifyServing(conf.layer("dws_users"), D, D).get(0);
        assertEquals(1, planted.differing(), planted.toString());
        assertEquals(1, planted.missing(), planted.toString());
        assertTrue(planted.samples().stream().anyMatch(x -> x.contains("user_002") && x.contains("paied_buy_fee_sum=1.00")),
                planted.toString());
    }

    private static void backfill(String layer, boolean cascade) {
        Renderer renderer = new Renderer(conf);
        Ledger ledger = new Ledger(lake);
        BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                .plan(new BackfillRequest(layer, D, D, cascade, 31, 1, true, true));
        BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger).run(plan, 1, BackfillProgress.NONE);
        assertTrue(result.succeeded(), result.failures().toString());
    }

    private static String query(String sql, int column) throws Exception {
        try (Connection c = postgres.connect("weir"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(column) : null;
        }
    }
}
