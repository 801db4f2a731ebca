package io.weir.runner.lake;

import io.weir.runner.Await;
import io.weir.runner.StandInStreamWriter;
import io.weir.runner.StandInStreams;
import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dwd_orders' stream keeps a watermark that stands still, held back by ods_orders_pay, which brings
 * no rows, while ods_orders moves on: dwd_orders is closed by its inputs. When the quiet input brings
 * a row again, late or of now, it is no longer quiet, and its new watermark, if any, reaches
 * dwd_orders only a checkpoint or more later; meanwhile dwd_orders stays closed as far as it was (it
 * fell back to its held-back watermark for a minute, a helper saw). Real Paimon tables, committed to
 * as Flink's sink commits.
 */
class StalledWatermarkTest {

    private static final Instant START = Instant.parse("2023-02-15T12:00:00Z");
    private static final Instant HELD = Instant.parse("2023-02-15T08:00:00Z");

    @TempDir Path dir;

    @Test
    void aWatermarkHeldBackByAQuietInputClosesByTheInputsAndStaysClosedWhenThatInputWakes() throws Exception {
        PipelineConf conf = TestConfs.shortLag(dir);
        try (Lake lake = new Lake(conf.warehouse())) {
            for (String table : List.of("ods_orders", "ods_orders_pay", "dwd_orders")) {
                StandInStreamWriter.createTable(lake, table, true);
            }
            Closing closing = new Closing(conf, lake, Clock.systemUTC());
            AtomicReference<Instant> payWatermark = new AtomicReference<>(HELD);
            AtomicBoolean payRow = new AtomicBoolean();
            AtomicReference<Instant> dwdWatermark = new AtomicReference<>(HELD);
            long began = System.currentTimeMillis();
            try (StandInStreams streams = StandInStreams.start(lake, List.of("ods_orders", "ods_orders_pay", "dwd_orders"), w -> {
                // Event time runs a minute per wall-clock second in ods_orders.
                w.get("ods_orders").commit(START.plusSeconds((System.currentTimeMillis() - began) * 60 / 1000));
                if (payRow.getAndSet(false)) {
                    w.get("ods_orders_pay").commit(payWatermark.get());
                } else {
                    w.get("ods_orders_pay").heartbeat(payWatermark.get());
                }
                w.get("dwd_orders").commit(dwdWatermark.get());
            })) {
                Await.until(Duration.ofSeconds(60).plus(closing.lag()), () -> closing.of("dwd_orders").basis() == Closing.Basis.STALLED,
                        () -> closing.of("dwd_orders").state() + " " + streams.failure());
                Closing.Closed stalled = closing.of("dwd_orders");
                assertTrue(stalled.through().orElseThrow().isAfter(START), stalled.state());
                assertTrue(stalled.state().contains("its watermark stood at 2023-02-15 08:00:00 through the last"), stalled.state());
                assertEquals(Closing.Basis.QUIET, closing.of("ods_orders_pay").basis(), closing.of("ods_orders_pay").state());

                // The quiet input brings a late row, which moves no watermark: it is no longer quiet.
                Instant closedBefore = stalled.through().orElseThrow();
                payRow.set(true);
                Await.until(Duration.ofSeconds(30), () -> closing.of("ods_orders_pay").basis() == Closing.Basis.WATERMARK,
                        () -> closing.of("ods_orders_pay").state());
                assertStaysClosedThrough(closing, closedBefore);

                // It brings a row of now; dwd_orders' job has not passed the new watermark on yet.
                Instant payNow = lake.watermark("ods_orders").map(Instant::ofEpochMilli).orElseThrow();
                payWatermark.set(payNow);
                payRow.set(true);
                Await.until(Duration.ofSeconds(30), () -> closing.of("ods_orders_pay").through().orElseThrow().equals(payNow),
                        () -> closing.of("ods_orders_pay").state());
                assertStaysClosedThrough(closing, closedBefore);
                // Its job passes the new watermark on: it is its own again.
                dwdWatermark.set(payNow);
                Await.until(Duration.ofSeconds(30), () -> closing.of("dwd_orders").basis() == Closing.Basis.WATERMARK,
                        () -> closing.of("dwd_orders").state());
                assertEquals(payNow, closing.of("dwd_orders").through().orElseThrow());
            }
        }
    }

    private static void assertStaysClosedThrough(Closing closing, Instant closedBefore) {
        for (int i = 0; i < 5; i++) {
            Closing.Closed now = closing.of("dwd_orders");
            assertTrue(!now.through().orElseThrow().isBefore(closedBefore), "closed through " + closedBefore + " before, now " + now.state());
        }
    }
}
