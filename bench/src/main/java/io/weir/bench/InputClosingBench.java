package io.weir.bench;

import io.weir.runner.StandInStreamWriter;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * What one closing answer costs for dwd_orders, whose inputs are closed by their watermarks: written
 * by a stream without a watermark (closed by its inputs), with a watermark that stood still while
 * its inputs moved on (closed by its inputs too), and with one that follows its inputs (every
 * watermarked table with lake inputs now checks for a stall). Against ods_orders, a table fed by the
 * source with its own watermark. The status page and the scheduler ask every few seconds. The
 * streams are stand-ins that commit to real Paimon tables as Flink's sink does, as fast as they can
 * or at a given pace, for a lag and a bit; the answer then walks every commit of the lag. Cold: a
 * new Lake (every snapshot file read once); warm: the same Lake asked again (median of five, after
 * one).
 *
 * <p>Usage: bench/run InputClosingBench [pace ms between commit rounds, default 0,100,1000]
 */
public final class InputClosingBench {

    /** What the stand-in dwd_orders stream records as its watermark. */
    private enum DwdWatermark { NONE, STOOD, MOVING }

    public static void main(String[] args) throws Exception {
        String[] paces = (args.length > 0 ? args[0] : "0,100,1000").split(",");
        System.out.printf("Closing of dwd_orders by its watermark or by its inputs, vs ods_orders by its own watermark%n");
        System.out.printf("%8s %10s %9s %10s %10s %14s   %s%n", "PACE ms", "COMMITS", "DWD WM", "cold ms", "warm ms",
                "ods_orders ms", "state");
        for (String pace : paces) {
            for (DwdWatermark dwd : DwdWatermark.values()) {
                measure(Integer.parseInt(pace.trim()), dwd);
            }
        }
    }

    private static void measure(int paceMillis, DwdWatermark dwdWatermark) throws Exception {
        Path work = Files.createTempDirectory("weir-closing-bench");
        PipelineConf conf = conf(work);
        Instant start = Instant.parse("2023-02-15T12:00:00Z");
        int rounds = 0;
        try (Lake lake = new Lake(conf)) {
            for (String table : List.of("ods_orders", "ods_orders_pay", "dwd_orders")) {
                StandInStreamWriter.createTable(lake, table, true);
            }
            Closing closing = new Closing(conf, lake, Clock.systemUTC());
            long until = Long.MAX_VALUE;
            try (StandInStreamWriter orders = new StandInStreamWriter(lake, "ods_orders", "20230215");
                    StandInStreamWriter pay = new StandInStreamWriter(lake, "ods_orders_pay", "20230215");
                    StandInStreamWriter dwd = new StandInStreamWriter(lake, "dwd_orders", "20230215")) {
                while (System.currentTimeMillis() < until) {
                    if (rounds == 1) {
                        // From the first commit on: the stretch must span a lag, whatever the warm-up took.
                        until = System.currentTimeMillis() + closing.lag().toMillis() + 2000;
                    }
                    Instant watermark = start.plusSeconds(rounds);
                    orders.commit(watermark);
                    pay.commit(watermark);
                    dwd.commit(switch (dwdWatermark) {
                        case NONE -> null;
                        case STOOD -> start.minusSeconds(3600);
                        case MOVING -> watermark.minusSeconds(1);
                    });
                    rounds++;
                    if (paceMillis > 0) {
                        Thread.sleep(paceMillis); // the stand-in streams' checkpoint interval
                    }
                }
            }
        }
        try (Lake lake = new Lake(conf)) {
            long started = System.nanoTime();
            Closing.Closed cold = new Closing(conf, lake, Clock.systemUTC()).of("dwd_orders");
            double coldMillis = (System.nanoTime() - started) / 1e6;
            double warm = LedgerBench.medianMillis(() -> new Closing(conf, lake, Clock.systemUTC()).of("dwd_orders"));
            double own = LedgerBench.medianMillis(() -> new Closing(conf, lake, Clock.systemUTC()).of("ods_orders"));
            System.out.printf("%8d %10d %9s %10.1f %10.1f %14.1f   %s%n", paceMillis, rounds, dwdWatermark, coldMillis, warm,
                    own, cold.state());
        }
    }

    /** The quickstart's pipeline on a scratch warehouse, with a short lag: checkpoints of 200 ms, quiet after 2 s. */
    private static PipelineConf conf(Path work) throws Exception {
        Path home = Path.of(System.getProperty("weir.home", "."));
        String yaml = Files.readString(home.resolve("conf/quickstart.yaml"))
                .replace("templates: ../sql-templates", "templates: " + home.resolve("sql-templates"))
                .replaceAll("(?m)^  checkpoint-interval: .*$", "  checkpoint-interval: 200ms\n  quiet-timeout: 2s")
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + work.resolve("warehouse").toUri());
        Path file = work.resolve("pipeline.yaml");
        Files.writeString(file, yaml);
        return new PipelineConfLoader().load(file);
    }
}
