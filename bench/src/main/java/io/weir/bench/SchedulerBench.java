package io.weir.bench;

import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.backfill.UpstreamRead;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;
import io.weir.scheduler.ScheduleEvents;
import io.weir.scheduler.SchedulePreview;
import io.weir.scheduler.WeirScheduler;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.Decimal;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.manifest.ManifestCommittable;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.CommitMessage;
import org.apache.paimon.table.sink.StreamTableWrite;
import org.apache.paimon.table.sink.StreamWriteBuilder;
import org.apache.paimon.table.sink.TableCommitImpl;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The scheduler's three figures:
 * <ol>
 *   <li>trigger latency: from the commit of an upstream snapshot whose watermark passes a
 *       partition's end to the submission of the downstream job (target: poll interval + 1 s);</li>
 *   <li>CPU of an idle scheduler holding 100 layers x 365 daily partitions of history (target: under
 *       2 % of one core);</li>
 *   <li>time to plan a catch-up of 365 days x 10 layers (target: under 1 s), and of a year of hourly
 *       partitions x 10 layers, over daily dwd_orders days of which only the last week holds data.</li>
 * </ol>
 * Usage: bench/run SchedulerBench [idle seconds, default 120] [latency|idle|catchup|catchup-hourly: only that part]
 * [idle windows in a row, default 1]
 */
public final class SchedulerBench {

    private static final Path HOME = Path.of(System.getProperty("weir.home", ".")).toAbsolutePath();
    private static final Duration POLL = Duration.ofSeconds(1);

    public static void main(String[] args) throws Exception {
        int idleSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        int idleWindows = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        boolean only = args.length > 1;
        Path work = Files.createTempDirectory("weir-scheduler-bench");
        Path templates = work.resolve("templates");
        Files.createDirectories(templates);
        try (Stream<Path> files = Files.list(HOME.resolve("sql-templates"))) {
            for (Path f : files.toList()) {
                Files.copy(f, templates.resolve(f.getFileName()));
            }
        }
        String dwsUsers = Files.readString(templates.resolve("dws_users.sql"));
        for (int i = 0; i < 100; i++) {
            Files.writeString(templates.resolve(String.format("dws_b%03d.sql", i)),
                    dwsUsers.replace("dws_users", String.format("dws_b%03d", i)));
        }
        System.out.println("Scheduler benchmark (2 cores; Quartz on H2; times in UTC)");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        if (!only || args[1].equals("latency")) {
            triggerLatency(work, templates);
        }
        if (!only || args[1].equals("idle")) {
            idleCpu(work, templates, today, idleSeconds, idleWindows);
        }
        if (!only || args[1].equals("catchup")) {
            catchUpPlanning(work, templates, today);
        }
        if (!only || args[1].equals("catchup-hourly")) {
            hourlyCatchUpPlanning(work, templates, today);
        }
        System.exit(0);
    }

    // ---- 1. trigger latency ---------------------------------------------------------------------

    private static void triggerLatency(Path work, Path templates) throws Exception {
        PipelineConf conf = conf(work.resolve("latency"), templates, "latency", LocalDate.of(2024, 1, 1),
                List.of("dws_users"), "'0/1 * * * * ?'");
        SettableClock clock = new SettableClock();
        Map<String, Instant> submitted = new ConcurrentHashMap<>();
        Map<String, Boolean> waiting = new ConcurrentHashMap<>();
        ScheduleEvents events = new ScheduleEvents() {
            @Override
            public void waiting(String layer, String partition, String reason) {
                waiting.put(partition, true);
            }

            @Override
            public void submitted(String layer, List<String> partitions, int attempt) {
                partitions.forEach(p -> submitted.putIfAbsent(p, Instant.now()));
            }
        };
        List<Long> latencies = new ArrayList<>();
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
            LocalDate day = LocalDate.of(2024, 1, 1);
            clock.set(day.plusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC));
            DwdWriter dwd = new DwdWriter(lake.table("dwd_orders"));
            dwd.commit(day, 100, day.atTime(23, 0));
            try (WeirScheduler scheduler = WeirScheduler.start(conf, session, lake, events, clock)) {
                for (int i = 0; i < 6; i++) {
                    String ds = day.toString().replace("-", "");
                    await(() -> waiting.containsKey(ds), Duration.ofMinutes(2), "waiting for " + ds);
                    // Committed right after a readiness check: the latency includes up to one full poll interval.
                    dwd.commit(day, 10, day.plusDays(1).atTime(0, 0, 1));
                    Instant passed = Instant.ofEpochMilli(lake.table("dwd_orders").snapshotManager().latestSnapshot().timeMillis());
                    await(() -> submitted.containsKey(ds), Duration.ofMinutes(2), "submission of " + ds);
                    long latency = Duration.between(passed, submitted.get(ds)).toMillis();
                    if (i > 0) { // the first includes the JIT warming up
                        latencies.add(latency);
                    }
                    await(() -> new Ledger(lake).latest("latency", "dws_users", ds)
                            .map(e -> e.status() == RunStatus.DONE).orElse(false), Duration.ofMinutes(2), "build of " + ds);
                    day = day.plusDays(1);
                    clock.set(day.plusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC));
                    dwd.commit(day, 100, day.atTime(23, 0));
                }
            }
        }
        latencies.sort(Long::compare);
        System.out.printf("1. trigger latency, watermark commit -> job submission (poll interval %d ms, %d runs):"
                        + " median %d ms, max %d ms (target <= %d ms)%n", POLL.toMillis(), latencies.size(),
                latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1), POLL.toMillis() + 1000);
    }

    // ---- 2. idle CPU ----------------------------------------------------------------------------

    private static void idleCpu(Path work, Path templates, LocalDate today, int seconds, int windows) throws Exception {
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            layers.add(String.format("dws_b%03d", i));
        }
        LocalDate start = today.minusDays(365);
        PipelineConf conf = conf(work.resolve("idle"), templates, "idle", start, layers, "'0 * * * * ?'");
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
            new DwdWriter(lake.table("dwd_orders")).commitDays(start, today.minusDays(1));
            Ledger ledger = new Ledger(lake).open();
            LocalDateTime builtAt = LocalDateTime.now(java.time.ZoneOffset.UTC);
            for (String layer : layers) {
                // What a build records: the upstream snapshot and digests of the partitions it read.
                LayerConf layerConf = conf.layer(layer);
                List<io.weir.runner.conf.Partition> days = layerConf.partition().orElseThrow()
                        .partitions(start, today.minusDays(1));
                UpstreamRead read = UpstreamRead.now(conf, lake, layerConf, days);
                List<LedgerEntry> entries = new ArrayList<>();
                for (io.weir.runner.conf.Partition d : days) {
                    entries.add(new LedgerEntry("history-" + layer, layer, d.value(), "idle", layer,
                            "schedule", start.toString(), today.toString(), "h", read.json(d.value()), 1, RunStatus.DONE,
                            null, builtAt, builtAt, null));
                }
                ledger.record(entries);
            }
            System.out.printf("2. idle scheduler: %d layers x %d daily partitions of history, all built%n", layers.size(), 365);
            SchedulePreview preview = new SchedulePreview(conf, lake, Clock.systemUTC());
            for (int i = 0; i < 4; i++) {
                long t = System.nanoTime();
                int due = preview.preview().stream().mapToInt(p -> p.ready().size() + p.waiting().size()).sum();
                System.out.printf("   one round of due checks over all %d layers (%s ledger): %d ms, %d partitions due%n",
                        layers.size(), i == 0 ? "reading the" : "cached", (System.nanoTime() - t) / 1_000_000, due);
            }
            System.gc();
            settle("the idle process");
            double baseline = cpuShare(Duration.ofSeconds(seconds));
            System.out.printf("   baseline, the process with its idle embedded Flink cluster and no scheduler: %.2f %% of one core%n",
                    baseline * 100);
            for (String cron : List.of("'0 * * * * ?'", "'0 10 0 * * ?'")) {
                PipelineConf withCron = conf(work.resolve("idle"), templates, "idle", start, layers, cron);
                deleteRecursively(withCron.scheduler().dir());
                try (WeirScheduler scheduler = WeirScheduler.start(withCron, session, lake, ScheduleEvents.NONE,
                        Clock.systemUTC())) {
                    settle("the scheduler's first ticks"); // a new store fires every trigger at once
                    // Windows in a row: the first minutes of a per-minute cron still compile the tick's code,
                    // a cost a scheduler that runs for days pays once.
                    for (int w = 1; w <= windows; w++) {
                        double cpu = cpuShare(Duration.ofSeconds(seconds));
                        System.out.printf("   scheduler with cron %s, window %d of %d: %.2f %% of one core over %d s, so the"
                                + " scheduler adds %.2f %% (target < 2 %%)%n", cron, w, windows, cpu * 100, seconds,
                                (cpu - baseline) * 100);
                    }
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /**
     * Waits until the process's CPU use levels off: three one-second windows in a row each below 5 %
     * of a core, so start-up and first ticks stay out of the measured window. Gives up after two minutes.
     */
    private static void settle(String what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(2).toNanos();
        int quiet = 0;
        while (quiet < 3 && System.nanoTime() < deadline) {
            quiet = cpuShare(Duration.ofSeconds(1)) < 0.05 ? quiet + 1 : 0;
        }
        System.out.printf("   %s settled after %d s%s%n", what, (System.nanoTime() - start) / 1_000_000_000L,
                quiet < 3 ? " (not quiet within 2 minutes; measuring anyway)" : "");
    }

    private static double cpuShare(Duration window) throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        return (double) (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
    }

    // ---- 3. catch-up planning -------------------------------------------------------------------

    private static void catchUpPlanning(Path work, Path templates, LocalDate today) throws Exception {
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            layers.add(String.format("dws_b%03d", i));
        }
        LocalDate start = today.minusDays(365);
        PipelineConf conf = conf(work.resolve("catchup"), templates, "catchup", start, layers, "'0 10 0 * * ?'");
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
            new DwdWriter(lake.table("dwd_orders")).commitDays(start, today.minusDays(1));
            // dwd_orders is batch-built here: the ledger shows each of its days done.
            LocalDateTime builtAt = LocalDateTime.now(java.time.ZoneOffset.UTC);
            List<LedgerEntry> dwd = new ArrayList<>();
            for (LocalDate d = start; d.isBefore(today); d = d.plusDays(1)) {
                dwd.add(new LedgerEntry("dwd-history", "dwd_orders", d.toString().replace("-", ""), "catchup",
                        "dwd_orders", "backfill", start.toString(), today.toString(), "h", "{}", 1, RunStatus.DONE,
                        null, builtAt, builtAt, null));
            }
            new Ledger(lake).open().record(dwd);

            List<Long> decide = new ArrayList<>();
            int ready = 0;
            for (int run = 0; run < 6; run++) {
                long t = System.nanoTime();
                List<SchedulePreview.LayerPreview> preview = new SchedulePreview(conf, lake, Clock.systemUTC()).preview();
                decide.add((System.nanoTime() - t) / 1_000_000);
                ready = preview.stream().mapToInt(p -> p.ready().size()).sum();
            }
            Renderer renderer = new Renderer(conf);
            BackfillPlanner planner = new BackfillPlanner(conf, renderer, lake, new Ledger(lake));
            long t = System.nanoTime();
            int chunks = 0;
            for (String name : layers) {
                LayerConf layer = conf.layer(name);
                var partitions = layer.partition().orElseThrow().partitions(start, today.minusDays(1));
                chunks += planner.scheduled(layer, partitions, 31).layers().get(0).chunks().size();
            }
            long render = (System.nanoTime() - t) / 1_000_000;
            long cold = decide.get(0);
            List<Long> warm = new ArrayList<>(decide.subList(1, decide.size()));
            warm.sort(Long::compare);
            System.out.printf("3. catch-up of %d days x %d layers: %d partitions due and ready, decided in %d ms cold,"
                    + " %d ms warm (median; target < 1000 ms); rendering their %d jobs' SQL takes %d ms more%n",
                    365, layers.size(), ready, cold, warm.get(warm.size() / 2), chunks, render);
        }
    }

    /**
     * A year of hourly partitions x 10 hourly layers over daily dwd_orders, mostly empty: the due
     * count, the time to decide it (the ledger and lake only), the readiness decision of the first
     * tick, and the Flink jobs the catch-up would start (batches of scheduler.batch-size).
     */
    private static void hourlyCatchUpPlanning(Path work, Path templates, LocalDate today) throws Exception {
        List<String> layers = new ArrayList<>();
        String dwsUsers = Files.readString(templates.resolve("dws_users.sql"));
        for (int i = 0; i < 10; i++) {
            String name = String.format("dws_h%03d", i);
            layers.add(name);
            Files.writeString(templates.resolve(name + ".sql"), dwsUsers.replace("dws_users", name)
                    .replace("'yyyyMMdd'", "'yyyyMMddHH'"));
        }
        LocalDate start = today.minusDays(365);
        PipelineConf conf = conf(work.resolve("catchup-hourly"), templates, "catchuph", start, layers,
                "'0 10 * * * ?'", "{ column: ds, format: yyyyMMddHH, granularity: hour }");
        try (FlinkSession session = FlinkSession.start(conf.flink()); Lake lake = new Lake(conf)) {
            new TableCreator(conf, session, new Renderer(conf)).createMissingTables();
            LocalDate dataFrom = today.minusDays(7);
            new DwdWriter(lake.table("dwd_orders")).commitDays(dataFrom, today.minusDays(1));
            LocalDateTime builtAt = LocalDateTime.now(java.time.ZoneOffset.UTC);
            List<LedgerEntry> dwd = new ArrayList<>();
            for (LocalDate d = start; d.isBefore(today); d = d.plusDays(1)) {
                dwd.add(new LedgerEntry("dwd-history", "dwd_orders", d.toString().replace("-", ""), "catchuph",
                        "dwd_orders", "backfill", start.toString(), today.toString(), "h", "{}",
                        d.isBefore(dataFrom) ? 0 : 1, RunStatus.DONE, null, builtAt, builtAt, null));
            }
            new Ledger(lake).open().record(dwd);

            long t = System.nanoTime();
            Map<String, List<String>> due = new SchedulePreview(conf, lake, Clock.systemUTC()).due();
            long dueMs = (System.nanoTime() - t) / 1_000_000;
            int partitions = due.values().stream().mapToInt(List::size).sum();
            int jobs = due.values().stream().mapToInt(d -> (d.size() + 30) / 31).sum();
            t = System.nanoTime();
            List<SchedulePreview.LayerPreview> preview = new SchedulePreview(conf, lake, Clock.systemUTC()).preview();
            long decideMs = (System.nanoTime() - t) / 1_000_000;
            int ready = preview.stream().mapToInt(p -> p.ready().size()).sum();
            int empty = preview.stream().mapToInt(p -> p.emptyInputs().size()).sum();
            int jobsLeft = preview.stream().mapToInt(p -> (p.ready().size() - p.emptyInputs().size() + 30) / 31).sum();
            System.out.printf("4. hourly catch-up of 365 days x %d layers (data in the last 7 days only): %,d partitions"
                    + " due, counted in %,d ms; readiness and empty inputs of all decided in %,d ms (%,d ready); without"
                    + " the empty-input skip %,d Flink jobs of 31 partitions would start; with it %,d partitions are"
                    + " recorded empty without a job and %,d jobs start%n", layers.size(), partitions, dueMs,
                    decideMs, ready, jobs, empty, jobsLeft);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static PipelineConf conf(Path dir, Path templates, String name, LocalDate start, List<String> scheduled,
            String cron) throws Exception {
        return conf(dir, templates, name, start, scheduled, cron, "{ column: ds, format: yyyyMMdd, granularity: day }");
    }

    private static PipelineConf conf(Path dir, Path templates, String name, LocalDate start, List<String> scheduled,
            String cron, String partition) throws Exception {
        Files.createDirectories(dir);
        StringBuilder yaml = new StringBuilder()
                .append("pipeline: { name: ").append(name).append(", start-date: 2020-01-01 }\n")
                .append("templates: ").append(templates).append('\n')
                .append("warehouse: { uri: ").append(dir.resolve("warehouse").toUri()).append(", database: order_dw }\n")
                .append("source: { hostname: 127.0.0.1, port: 3306, database: order_dw }\n")
                .append("flink: { web-ui-port: 0, parallelism: 1, state-dir: ").append(dir.resolve("state").toUri()).append(" }\n")
                .append("scheduler: { dir: ").append(dir.resolve("scheduler")).append(", poll-interval: ")
                .append(POLL.toMillis()).append("ms }\n");
        String layers = Files.readString(HOME.resolve("conf/quickstart.yaml"));
        layers = layers.substring(layers.indexOf("\nlayers:") + 1);
        // The quickstart's own schedules are replaced by the benchmark's.
        layers = layers.replaceAll("(?m)^    schedule: .*\\n", "");
        StringBuilder all = new StringBuilder(layers);
        for (String layer : scheduled) {
            String block = "    schedule: { cron: " + cron + ", start-date: " + start + " }\n";
            if (layer.equals("dws_users")) {
                int at = all.indexOf("    template: dws_users.sql\n") + "    template: dws_users.sql\n".length();
                all.insert(at, block);
            } else {
                all.append("  - name: ").append(layer).append("\n    template: ").append(layer).append(".sql\n")
                        .append("    partition: ").append(partition).append("\n")
                        .append("    upstream: [dwd_orders]\n").append(block);
            }
        }
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, yaml + all.toString());
        return new PipelineConfLoader().load(file);
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out: " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Writes dwd_orders rows with Paimon's Java API, committing with a watermark as a stream would. */
    private static final class DwdWriter {
        // The lookup changelog producer spills to local disk while it writes.
        private static final org.apache.paimon.disk.IOManager IO =
                org.apache.paimon.disk.IOManager.create(System.getProperty("java.io.tmpdir"));

        private final FileStoreTable table;
        private long nextId = 1;
        private long commitId = 1;

        DwdWriter(FileStoreTable table) {
            // No compaction from this writer: a stand-in for the stream, it must not race its own commits.
            this.table = table.copy(Map.of("write-only", "true"));
        }

        void commit(LocalDate day, int rows, LocalDateTime watermark) throws Exception {
            StreamWriteBuilder builder = table.newStreamWriteBuilder().withCommitUser("bench-stream");
            try (StreamTableWrite write = (StreamTableWrite) builder.newWrite().withIOManager(IO); TableCommitImpl commit = (TableCommitImpl) builder.newCommit()) {
                writeRows(write, day, rows);
                ManifestCommittable committable = new ManifestCommittable(commitId,
                        watermark == null ? null : watermark.toInstant(ZoneOffset.UTC).toEpochMilli());
                for (CommitMessage m : write.prepareCommit(false, commitId)) {
                    committable.addFileCommittable(m);
                }
                commitId++;
                commit.commit(committable);
            }
        }

        void commitDays(LocalDate from, LocalDate to) throws Exception {
            StreamWriteBuilder builder = table.newStreamWriteBuilder().withCommitUser("bench-batch");
            try (StreamTableWrite write = (StreamTableWrite) builder.newWrite().withIOManager(IO); TableCommitImpl commit = (TableCommitImpl) builder.newCommit()) {
                for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                    writeRows(write, d, 3);
                }
                commit.commit(write.prepareCommit(false, 1));
            }
        }

        private void writeRows(StreamTableWrite write, LocalDate day, int rows) throws Exception {
            for (int i = 0; i < rows; i++) {
                Timestamp time = Timestamp.fromLocalDateTime(day.atTime(10, 0).plusSeconds(i));
                write.write(GenericRow.of(nextId++, BinaryString.fromString(day.toString().replace("-", "")),
                        BinaryString.fromString("user_00" + (1 + i % 3)), 12345L, 1L, BinaryString.fromString("phone"),
                        Decimal.fromBigDecimal(new BigDecimal("10.00"), 20, 2), time, time, 1, nextId, 1, time, time));
            }
        }
    }

    /** A clock the benchmark moves from day to day; it runs on between moves. */
    private static final class SettableClock extends Clock {
        private volatile Instant base = Instant.now();
        private volatile long setAtNanos = System.nanoTime();

        void set(Instant at) {
            base = at;
            setAtNanos = System.nanoTime();
        }

        @Override
        public Instant instant() {
            return base.plusNanos(System.nanoTime() - setAtNanos);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
