package io.weir.bench;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.cli.PipelineStatus;
import io.weir.cli.StatusServer;
import io.weir.runner.conf.Granularity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.LayerSchedule;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SealedPartitions;
import io.weir.runner.conf.UiConf;
import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.types.DataTypes;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * weir ui's model at scale: 100 daily layers with 365 built partitions each (real Paimon tables and
 * ledger entries, each partition built by a scheduled run the next day), served over HTTP by the
 * page's server. Prints the median time of /api/status
 * and of the grid of all 36,500 cells, then the server's CPU while Debian's headless Chromium keeps
 * the page open (polling every 3 s) for a minute.
 *
 * <p>Usage: bench/run StatusPageBench [layers, default 100] [days, default 365] [idle seconds, default 60]
 * [work dir, kept and reused when given]
 */
public final class StatusPageBench {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final LocalDate FIRST_DAY = LocalDate.of(2025, 1, 1);

    public static void main(String[] args) throws Exception {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 365;
        int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        Path work = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("weir-status-page-bench");
        boolean reuse = Files.isDirectory(work.resolve("warehouse"));
        PipelineConf base = BackfillBench.lakeOnlyConf(work);
        PipelineConf conf = withLayers(base, layers);
        try (Lake lake = new Lake(conf)) {
            if (!reuse) {
                long started = System.nanoTime();
                write(conf, lake, days);
                System.out.printf("Wrote %d layers x %d daily partitions (tables and ledger) in %.1f s%n", layers,
                        days, (System.nanoTime() - started) / 1e9);
            }
            try (StatusServer server = StatusServer.start(new PipelineStatus(conf, lake), new UiConf("127.0.0.1", 0))) {
                String end = FIRST_DAY.plusDays(days).atStartOfDay() + ":00Z";
                HttpClient http = HttpClient.newHttpClient();
                URI status = URI.create(server.url() + "api/status");
                URI grid = URI.create(server.url() + "api/grid?days=" + days + "&end=" + end);
                Ledger ledger = new Ledger(lake);
                Runnable change = () -> recordOne(conf, ledger);
                System.out.printf("GET /api/status after a ledger change: median %.0f ms; unchanged: %.0f ms (%,d bytes)%n",
                        median(http, status, change), median(http, status, () -> { }), size(http, status));
                System.out.printf("GET /api/grid, %,d cells, after a ledger change: median %.0f ms; unchanged: %.0f ms"
                        + " (%,d bytes)%n", layers * days, median(http, grid, change), median(http, grid, () -> { }),
                        size(http, grid));
                io.weir.scheduler.StatusCollector collector = new io.weir.scheduler.StatusCollector(conf, lake,
                        java.time.Clock.systemUTC());
                collector.collect();
                long t0 = System.nanoTime();
                for (int i = 0; i < 5; i++) {
                    collector.collect();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < 5; i++) {
                    collector.grid(FIRST_DAY.plusDays(days - 14).atStartOfDay().toInstant(java.time.ZoneOffset.UTC),
                            FIRST_DAY.plusDays(days).atStartOfDay().toInstant(java.time.ZoneOffset.UTC));
                }
                System.out.printf("Recomputed with nothing changed: status %.0f ms, grid of 14 days %.0f ms%n",
                        (t1 - t0) / 5e6, (System.nanoTime() - t1) / 5e6);
                idleCpu(server, server.url() + "?days=14&end=" + end, idleSeconds, work);
            }
        }
    }

    /** Chains of ten layers, each reading the one before; the last of each chain is scheduled. */
    private static PipelineConf withLayers(PipelineConf base, int count) {
        List<LayerConf> layers = new ArrayList<>();
        PartitionSpec daily = new PartitionSpec("ds", "yyyyMMdd", Granularity.DAY);
        for (int i = 0; i < count; i++) {
            String name = String.format("layer_%03d", i);
            List<String> upstream = i % 10 == 0 ? List.of() : List.of(String.format("layer_%03d", i - 1));
            Optional<LayerSchedule> schedule = i % 10 == 9
                    ? Optional.of(new LayerSchedule("0 10 0 * * ?", Duration.ZERO, FIRST_DAY)) : Optional.empty();
            layers.add(new LayerConf(name, Path.of(name + ".sql"), name, Optional.of(daily), upstream, schedule,
                    SealedPartitions.AUTO, Duration.ZERO));
        }
        return new PipelineConf(base.file(), base.name(), FIRST_DAY, base.timeZone(), base.templatesDir(), base.warehouse(),
                base.sources(), base.flink(), layers, base.scheduler(), base.serving(), base.secrets(), base.ui());
    }

    private static void write(PipelineConf conf, Lake lake, int days) throws Exception {
        lake.catalog().createDatabase(conf.warehouse().database(), true);
        Ledger ledger = new Ledger(lake).open();
        // One record of every entry: the same ledger a year of scheduled runs leaves (one run day per
        // partition, compacted), without the year of commits that would take the bench hours to write.
        List<LedgerEntry> entries = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            Identifier id = Identifier.create(conf.warehouse().database(), layer.table());
            lake.catalog().createTable(id, Schema.newBuilder().column("id", DataTypes.INT().notNull())
                    .column("ds", DataTypes.STRING().notNull()).partitionKeys("ds").primaryKey("id", "ds")
                    .option("bucket", "1").build(), true);
            Table table = lake.catalog().getTable(id);
            BatchWriteBuilder builder = table.newBatchWriteBuilder();
            try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
                for (int d = 0; d < days; d++) {
                    write.write(GenericRow.of(d, BinaryString.fromString(FIRST_DAY.plusDays(d).format(DAY))));
                }
                commit.commit(write.prepareCommit());
            }
            for (int d = 0; d < days; d++) {
                // As a scheduler leaves them: each partition built by its own run, early the next day.
                LocalDateTime at = FIRST_DAY.plusDays(d + 1).atTime(1, 0);
                String runId = at.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + layer.table();
                String day = FIRST_DAY.plusDays(d).toString();
                entries.add(new LedgerEntry(runId, layer.table(), FIRST_DAY.plusDays(d).format(DAY), conf.name(),
                        layer.name(), "schedule", day, day, "hash", "{}", 1, RunStatus.DONE, null, at, at, null));
            }
        }
        ledger.record(entries);
    }

    /** A scheduled run rebuilt one partition: the ledger's version moves, so nothing cached is reused. */
    private static void recordOne(PipelineConf conf, Ledger ledger) {
        LayerConf layer = conf.layers().get(0);
        LocalDateTime at = LocalDateTime.now(java.time.ZoneOffset.UTC);
        String day = FIRST_DAY.format(DAY);
        ledger.record(List.of(new LedgerEntry(FIRST_DAY.plusDays(400).format(DAY) + "-020000-" + System.nanoTime() % 100000, layer.table(), day,
                conf.name(), layer.name(), "schedule", FIRST_DAY.toString(), FIRST_DAY.toString(), "hash", "{}", 1,
                RunStatus.DONE, null, at, at, null)));
    }

    private static double median(HttpClient http, URI uri, Runnable before) throws Exception {
        size(http, uri); // warm-up
        double[] millis = new double[7];
        for (int i = 0; i < millis.length; i++) {
            before.run();
            long started = System.nanoTime();
            size(http, uri);
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        return millis[millis.length / 2];
    }

    private static long size(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(uri + ": " + response.statusCode() + " " + response.body());
        }
        return response.body().length();
    }

    /** This process's CPU over the next seconds, as a fraction of one core (GC and JIT threads included). */
    private static double cpuOver(int seconds) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long wallBefore = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
    }

    /** The server's CPU (this process: nothing else runs in it) while a headless Chromium keeps the page open. */
    private static void idleCpu(StatusServer server, String page, int seconds, Path work) throws Exception {
        System.out.printf("Server process CPU with no page open, for %d s: %.2f %% of a core%n", seconds,
                cpuOver(seconds) * 100);
        Process chromium = new ProcessBuilder("/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + work.resolve("chromium"),
                "--remote-debugging-port=0", page)
                .redirectErrorStream(true).redirectOutput(work.resolve("chromium.log").toFile()).start();
        try {
            // The page has loaded and polls: its first refresh and the next one have been answered.
            long before = server.answered();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (server.answered() < before + 4) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the page did not poll within 60 s: see " + work.resolve("chromium.log"));
                }
                Thread.sleep(100);
            }
            // The first window includes compiling the request paths; the second is the page left open.
            for (String window : List.of("first", "next")) {
                double cpu = cpuOver(seconds);
                System.out.printf("Server CPU with the page open (14 days shown, polled every 3 s), %s %d s: %.2f %% of a core%n",
                        window, seconds, cpu * 100);
            }
        } finally {
            chromium.destroy();
            chromium.waitFor();
        }
    }
}
