package io.weir.bench;

import io.weir.runner.cluster.JobJars;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.OrderWarehouseSample;
import io.weir.sandbox.StandaloneFlinkCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

/**
 * Starting the example warehouse's six streaming layers: from submission until every job is
 * RUNNING, on the embedded cluster and on a standalone session cluster (a JobManager and a
 * TaskManager in their own JVMs, every job carrying Weir's job lib); and what a second start costs
 * when every job already runs and is adopted (the identity renders and the cluster listing).
 *
 * <p>Usage: bench/run ClusterStartBench [rounds of adoption, default 5]
 */
public final class ClusterStartBench {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path home = Path.of(System.getProperty("weir.home", "."));
        System.setProperty(StandaloneFlinkCluster.LIB_PROPERTY,
                System.getProperty(StandaloneFlinkCluster.LIB_PROPERTY, home.resolve("sandbox/flink-dist/target/lib").toString()));
        System.setProperty(JobJars.LIB_PROPERTY,
                System.getProperty(JobJars.LIB_PROPERTY, home.resolve("cli/job-lib/target/job-lib").toString()));
        Path dir = Files.createTempDirectory("weir-cluster-bench");
        try (EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0)) {
            mariaDb.createDatabase("order_dw");
            try (Connection c = mariaDb.connect("order_dw")) {
                OrderWarehouseSample.createSchema(c);
                OrderWarehouseSample.loadSampleRowsIfEmpty(c);
            }
            PipelineConf embedded = conf(dir.resolve("embedded"), mariaDb.port(), "");
            long embeddedMs;
            try (FlinkSession session = FlinkSession.start(embedded.flink())) {
                embeddedMs = startUntilRunning(embedded, session, true);
            }
            try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir.resolve("flink"), 8)) {
                System.out.printf("TaskManager metaspace before any job: %d MB used%n", metaspaceMb(cluster));
                PipelineConf remote = conf(dir.resolve("remote"), mariaDb.port(),
                        ", target: remote, address: '" + cluster.address() + "'");
                long remoteMs;
                long[] adoptMs = new long[rounds];
                long listMs = 0;
                try (FlinkSession session = FlinkSession.start(remote.flink())) {
                    System.out.println("Each job carries " + session.jobJars().orElseThrow().summary());
                    remoteMs = startUntilRunning(remote, session, false);
                    System.out.printf("TaskManager metaspace with the 6 jobs running: %d MB used%n", metaspaceMb(cluster));
                    for (int i = 0; i < rounds; i++) {
                        long start = System.nanoTime();
                        RunningStream adopted = new StreamRunner(remote, session).start(remote.layers(), false);
                        adoptMs[i] = (System.nanoTime() - start) / 1_000_000;
                        if (!adopted.layers().stream().allMatch(l -> l.adopted())) {
                            throw new IllegalStateException("a job was submitted again: " + adopted.layers());
                        }
                        adopted.detach();
                    }
                    long start = System.nanoTime();
                    for (int i = 0; i < rounds; i++) {
                        session.jobs().activeOf(remote.name());
                    }
                    listMs = (System.nanoTime() - start) / 1_000_000 / rounds;
                    new StreamRunner(remote, session).start(remote.layers(), false).cancel();
                    System.out.printf("TaskManager metaspace after the 6 jobs were cancelled: %d MB used%n",
                            metaspaceMb(cluster));
                }
                java.util.Arrays.sort(adoptMs);
                System.out.printf("%-44s %8s%n", "6 layers, submit until every job RUNNING", "ms");
                System.out.printf("%-44s %,8d%n", "embedded MiniCluster", embeddedMs);
                System.out.printf("%-44s %,8d%n", "standalone cluster (JM + TM processes)", remoteMs);
                System.out.printf("%-44s %,8d%n", "second start, all 6 adopted (median)", adoptMs[rounds / 2]);
                System.out.printf("%-44s %,8d%n", "  of which: listing the cluster's jobs", listMs);
            }
        }
    }

    /**
     * Metaspace in use on the (only) TaskManager. The REST API answers from the metrics it fetched
     * last and fetches anew in the background, so it is polled until the figure changes from the
     * first answer, or 30 s pass (then the figure did not change).
     */
    private static long metaspaceMb(StandaloneFlinkCluster cluster) throws InterruptedException {
        long first = readMetaspaceMb(cluster);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long mb = first;
        while ((mb < 0 || mb == first) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            mb = readMetaspaceMb(cluster);
        }
        return mb;
    }

    private static long readMetaspaceMb(StandaloneFlinkCluster cluster) {
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"")
                .matcher(cluster.rest("/taskmanagers"));
        if (!id.find()) {
            return -1;
        }
        java.util.regex.Matcher value = java.util.regex.Pattern.compile("\"value\"\\s*:\\s*\"(\\d+)\"").matcher(
                cluster.rest("/taskmanagers/" + id.group(1) + "/metrics?get=Status.JVM.Memory.Metaspace.Used"));
        return value.find() ? Long.parseLong(value.group(1)) / 1_000_000 : -1;
    }

    private static long startUntilRunning(PipelineConf conf, FlinkSession session, boolean stop) throws Exception {
        long start = System.nanoTime();
        RunningStream stream = new StreamRunner(conf, session).start(conf.layers(), true);
        stream.awaitRunning(Duration.ofMinutes(10), Duration.ofMillis(100));
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (stop) {
            stream.cancel();
        } else {
            stream.detach();
        }
        return ms;
    }

    private static PipelineConf conf(Path dir, int mysqlPort, String moreFlink) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, ServingBench.streamingPipeline(dir, mysqlPort, Duration.ofSeconds(2),
                ", restart-attempts: 0" + moreFlink, ""));
        return new PipelineConfLoader().load(file);
    }
}
