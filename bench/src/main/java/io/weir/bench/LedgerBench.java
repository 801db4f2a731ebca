package io.weir.bench;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import io.weir.scheduler.StatusCollector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast {@code weir runs} and {@code weir status} answer as the ledger grows: 10k, 100k and 1M
 * entries, written through the ledger as Weir writes them (a run rebuilds 24 partitions of one
 * layer; about a hundred runs a day). Each figure is the median of five calls after one warm-up,
 * in a fresh JVM-warm process: what the two commands spend on the ledger and the lake.
 *
 * <p>Usage: bench/run LedgerBench [sizes, default 10000,100000,1000000]
 */
public final class LedgerBench {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final int PARTITIONS_PER_RUN = 24;
    private static final int RUNS_PER_DAY = 100;

    public static void main(String[] args) throws Exception {
        String[] sizes = (args.length > 0 ? args[0] : "10000,100000,1000000").split(",");
        System.out.printf("Ledger benchmark: weir runs (newest 200 entries), weir runs --run, weir status%n");
        System.out.printf("%12s %10s %14s %14s %14s %12s%n", "ENTRIES", "WRITE s", "runs ms", "runs --run ms",
                "status ms", "STATE ROWS");
        for (String size : sizes) {
            measure(Integer.parseInt(size.trim()));
        }
    }

    private static void measure(int entries) throws Exception {
        Path work = Files.createTempDirectory("weir-ledger-bench");
        PipelineConf conf = BackfillBench.lakeOnlyConf(work);
        try (Lake lake = new Lake(conf)) {
            try (FlinkSession session = FlinkSession.start(conf.flink())) {
                new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
            }
            Ledger ledger = new Ledger(lake).open();
            long started = System.nanoTime();
            String someRun = write(conf, ledger, entries);
            double writeSeconds = (System.nanoTime() - started) / 1e9;
            double runs = medianMillis(() -> ledger.recent(conf.name(), e -> true, found -> found.size() >= 200));
            double oneRun = medianMillis(() -> ledger.run(someRun));
            double status = medianMillis(() -> new StatusCollector(conf, lake, Clock.systemUTC()).collect());
            int stateRows = ledger.states(conf.name()).values().stream().mapToInt(java.util.Map::size).sum();
            System.out.printf("%,12d %10.1f %14.0f %14.0f %14.0f %,12d%n", entries, writeSeconds, runs, oneRun, status,
                    stateRows);
        }
    }

    /** Entries as backfills and ticks leave them, a day of runs per write; returns one run id. */
    private static String write(PipelineConf conf, Ledger ledger, int entries) {
        List<LayerConf> layers = conf.layers().stream().filter(LayerConf::partitioned).toList();
        LocalDate firstDay = conf.startDate();
        int runs = entries / PARTITIONS_PER_RUN;
        String someRun = null;
        List<LedgerEntry> batch = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            LocalDateTime at = firstDay.atStartOfDay().plusMinutes((long) run * (24 * 60 / RUNS_PER_DAY));
            String runId = at.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + String.format("-%04x", run & 0xffff);
            LayerConf layer = layers.get(run % layers.size());
            LocalDate from = firstDay.plusDays((long) (run / layers.size()) * PARTITIONS_PER_RUN % 1000);
            for (int p = 0; p < PARTITIONS_PER_RUN; p++) {
                batch.add(new LedgerEntry(runId, layer.table(), from.plusDays(p).format(DAY), conf.name(), layer.name(),
                        "backfill", from.toString(), from.plusDays(PARTITIONS_PER_RUN - 1).toString(), "0123456789abcdef",
                        "{}", 1000, RunStatus.DONE, null, at, at.plusSeconds(30), null));
            }
            if (run % RUNS_PER_DAY == RUNS_PER_DAY - 1 || run == runs - 1) {
                ledger.record(batch);
                batch = new ArrayList<>();
            }
            someRun = run == runs / 2 ? runId : someRun;
        }
        return someRun;
    }

    /** The median of five calls after one warm-up, in milliseconds. */
    static double medianMillis(Runnable call) {
        call.run();
        double[] times = new double[5];
        for (int i = 0; i < times.length; i++) {
            long t = System.nanoTime();
            call.run();
            times[i] = (System.nanoTime() - t) / 1e6;
        }
        java.util.Arrays.sort(times);
        return times[times.length / 2];
    }
}
