package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.runner.Await;
import io.weir.runner.StandInStreamWriter;
import io.weir.runner.StandInStreams;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream that writes dwd_orders without a watermark, as a regular join to a table without event
 * time does, while rows keep coming: dwd_orders closes by its inputs, a lag after they closed, and
 * holds its readers' partitions open till then. Ignored, it let a backfill of dws_users seal the open
 * day, which the dws stream then kept out of, while the scheduler judged it by an empty ledger and
 * waited forever. Real Paimon tables, committed to as Flink's sink commits.
 */
class WatermarklessStreamTableTest {

    private static final Instant FEB_15_NOON = Instant.parse("2023-02-15T12:00:00Z");
    private static final Instant FEB_16_ONE = Instant.parse("2023-02-16T01:00:00Z");
    private static final Instant FEB_17_ONE = Instant.parse("2023-02-17T01:00:00Z");

    @TempDir Path dir;

    @Test
    void aStreamTableWithoutWatermarkClosesByItsInputsALagAfterThemAndHoldsItsReadersOpenTillThen() throws Exception {
        PipelineConf conf = TestConfs.shortLag(dir);
        LayerConf dws = conf.layers().stream().filter(l -> l.name().equals("dws_users")).findFirst().orElseThrow();
        List<Partition> days = List.of(day("20230214"), day("20230215"));
        try (Lake lake = new Lake(conf.warehouse())) {
            for (String table : List.of("ods_orders", "ods_orders_pay", "dwd_orders", "dws_users")) {
                StandInStreamWriter.createTable(lake, table, true);
            }
            StandInStreamWriter.createTable(lake, "ods_product_catalog", false);
            Closing closing = new Closing(conf, lake, Clock.systemUTC());
            LakeState lakeState = new LakeState(lake);
            LedgerState ledgerState = new LedgerState(new Ledger(lake), conf.name());
            Readiness readiness = new Readiness(conf, lakeState, ledgerState, closing, Clock.systemUTC(),
                    new DuePartitions(conf, lake, lakeState, ledgerState));
            Duration lag = closing.lag();

            AtomicReference<Instant> inputWatermark = new AtomicReference<>(FEB_15_NOON);
            AtomicBoolean dwdRuns = new AtomicBoolean(true);
            try (StandInStreams streams = StandInStreams.start(lake,
                    List.of("ods_orders", "ods_orders_pay", "ods_product_catalog", "dwd_orders"), w -> {
                        w.get("ods_orders").commit(inputWatermark.get());
                        w.get("ods_orders_pay").commit(inputWatermark.get().minusSeconds(60));
                        w.get("ods_product_catalog").commit(null);
                        if (dwdRuns.get()) {
                            w.get("dwd_orders").commit(null);
                        }
                    })) {
                Await.until(Duration.ofSeconds(30), () -> lake.snapshotIdIfExists("dwd_orders").orElse(0L) > 0,
                        () -> "no commit " + streams.failure());
                Instant started = Instant.now();
                Closing.Closed early = closing.of("dwd_orders");
                if (Duration.between(started, Instant.now()).compareTo(lag) < 0) {
                    assertEquals(Closing.Basis.OPEN, early.basis(), early.state());
                    assertTrue(early.state().contains("dwd_orders's stream has not run " ) && early.state().contains(" without a stop yet"),
                            early.state());
                    assertEquals(Set.of("20230214", "20230215"), closing.openPartitions(dws, days).keySet(),
                            "before its job has run a lag, dwd_orders holds every day of its readers open");
                    assertTrue(readiness.check(dws, days.get(0)).reason().startsWith("dwd_orders: no watermark, not closed"),
                            readiness.check(dws, days.get(0)).reason());
                }

                // Rows keep coming, so no quiet rule applies: closed through the inputs' least watermark of a lag ago.
                Await.until(Duration.ofSeconds(60).plus(lag), () -> closing.of("dwd_orders").basis() == Closing.Basis.INPUTS,
                        () -> closing.of("dwd_orders").state() + " " + streams.failure());
                Closing.Closed closed = closing.of("dwd_orders");
                assertEquals(FEB_15_NOON.minusSeconds(60), closed.through().orElseThrow(), closed.state());
                assertEquals(Set.of("20230215"), closing.openPartitions(dws, days).keySet());
                assertTrue(closing.openPartitions(dws, days).get("20230215").contains(
                        "dwd_orders is not closed through the partition's end 2023-02-16 00:00:00: no watermark, closed"
                                + " through 2023-02-15 11:59:00 by its inputs"),
                        closing.openPartitions(dws, days).toString());
                // The scheduler asks the same: the first day may run, the second waits, saying why.
                assertTrue(readiness.check(dws, days.get(0)).ready(), readiness.check(dws, days.get(0)).reason());
                assertTrue(readiness.check(dws, days.get(1)).reason().startsWith("dwd_orders: no watermark, closed through"
                        + " 2023-02-15 11:59:00 by its inputs has not reached 2023-02-16 00:00:00"),
                        readiness.check(dws, days.get(1)).reason());
                StatusReport.TableStatus dwd = new StatusCollector(conf, lake, Clock.systemUTC()).collect().tables().stream()
                        .filter(t -> t.table().equals("dwd_orders")).findFirst().orElseThrow();
                assertEquals("20230214", dwd.closedThrough());
                // A day of dws_users built while dwd_orders still held it open (--allow-open) may change yet.
                org.apache.paimon.table.sink.BatchWriteBuilder batch = lake.table("dws_users").newBatchWriteBuilder();
                try (org.apache.paimon.table.sink.BatchTableWrite write = batch.newWrite();
                        org.apache.paimon.table.sink.BatchTableCommit commit = batch.newCommit()) {
                    write.write(GenericRow.of(BinaryString.fromString("20230215"), 1L));
                    commit.commit(write.prepareCommit());
                }
                java.time.LocalDateTime at = java.time.LocalDateTime.now(java.time.ZoneOffset.UTC);
                new Ledger(lake).record(List.of(new io.weir.backfill.LedgerEntry("run-open", "dws_users", "20230215", conf.name(),
                        "dws_users", "backfill", "2023-02-15", "2023-02-15", "sql", "", 3, io.weir.backfill.RunStatus.DONE,
                        null, at, at, null)));
                StatusReport.TableStatus users = new StatusCollector(conf, lake, Clock.systemUTC()).collect().tables().stream()
                        .filter(t -> t.table().equals("dws_users")).findFirst().orElseThrow();
                assertEquals("20230214", users.closedThrough(), "built, but its input has not closed it");
                long age = Duration.between(FEB_15_NOON.minusSeconds(60), Instant.now()).toMillis();
                assertTrue(Math.abs(dwd.freshness().ageMs() - age) < 60_000,
                        "fresh up to where it is closed, not the day's start: " + dwd.freshness());

                inputWatermark.set(FEB_16_ONE);
                Await.until(Duration.ofSeconds(30), () -> lake.watermark("ods_orders_pay").orElse(0L)
                        >= FEB_16_ONE.minusSeconds(60).toEpochMilli(), () -> "the inputs' watermark did not move");
                Instant moved = Instant.now();
                Await.until(Duration.ofSeconds(60).plus(lag), () -> closing.openPartitions(dws, days).isEmpty(),
                        () -> closing.of("dwd_orders").state());
                Duration took = Duration.between(moved, Instant.now());
                assertTrue(took.compareTo(lag.minusSeconds(1)) >= 0,
                        "the day closed " + took + " after its inputs passed it, less than the lag " + lag);

                // Its job stops: what it closed stays closed, and it closes nothing more while the inputs move on.
                Instant closedBeforeStop = closing.of("dwd_orders").through().orElseThrow();
                assertEquals(FEB_16_ONE.minusSeconds(60), closedBeforeStop, closing.of("dwd_orders").state());
                dwdRuns.set(false);
                inputWatermark.set(FEB_17_ONE);
                Await.until(Duration.ofSeconds(60).plus(closing.liveness()), () -> lake.lastStreamCommitMillis("dwd_orders",
                        System.currentTimeMillis() - closing.liveness().toMillis()).isEmpty(), () -> "dwd_orders still commits");
                Closing.Closed stopped = closing.of("dwd_orders");
                assertEquals(Closing.Basis.INPUTS, stopped.basis(), stopped.state());
                assertEquals(closedBeforeStop, stopped.through().orElseThrow(), "a stopped job keeps what it closed");
                assertEquals(Set.of(), closing.openPartitions(dws, days).keySet());
                assertEquals(Set.of("20230216"), closing.openPartitions(dws, List.of(day("20230216"))).keySet());

                // Restarted, it keeps that closing until it has run a lag again, then follows its inputs.
                dwdRuns.set(true);
                Await.until(Duration.ofSeconds(30), () -> lake.lastStreamCommitMillis("dwd_orders",
                        System.currentTimeMillis() - 1000).isPresent(), () -> "dwd_orders does not commit again");
                Instant restarted = Instant.now();
                Closing.Closed justRestarted = closing.of("dwd_orders");
                if (Duration.between(restarted, Instant.now()).compareTo(lag) < 0) {
                    assertEquals(closedBeforeStop, justRestarted.through().orElseThrow(), justRestarted.state());
                }
                Await.until(Duration.ofSeconds(60).plus(lag), () -> closing.openPartitions(dws, List.of(day("20230216"))).isEmpty(),
                        () -> closing.of("dwd_orders").state());
                assertTrue(Duration.between(restarted, Instant.now()).compareTo(lag.minusSeconds(1)) >= 0,
                        "closed more before the restarted job had run a lag");
                assertEquals(Closing.Basis.NONE, closing.of("ods_product_catalog").basis(), "unpartitioned: it closes nothing");
            }
        }
    }

    private static Partition day(String value) {
        return new io.weir.runner.conf.PartitionSpec("ds", "yyyyMMdd", io.weir.runner.conf.Granularity.DAY)
                .parse(value).orElseThrow();
    }
}
