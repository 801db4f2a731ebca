package io.weir.cli;

import io.weir.runner.Await;
import io.weir.runner.SampleSource;
import io.weir.runner.TestConfs;
import io.weir.runner.Totals;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.StandaloneFlinkCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weir on a real standalone Flink session cluster (a JobManager and a TaskManager in their own
 * JVMs, with Flink's jars only): the jobs carry Weir's job lib, a killed client's jobs are adopted
 * and never submitted twice, detached streams stop with savepoints and resume, and a replaced
 * TaskManager loses nothing. Every total is checked against MySQL's own aggregate.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterTest {

    private static final List<String> LAYERS = List.of("ods_orders", "ods_orders_pay", "ods_product_catalog",
            "dwd_orders", "dws_users", "dws_shops");
    private static final String PASSWORD = ChildWeir.MYSQL_PASSWORD;
    private static final Pattern JOB = Pattern.compile("\"jid\":\"([0-9a-f]+)\",\"name\":\"([^\"]+)\"[^}]*?\"state\":\"([A-Z]+)\"");

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) static Path dir;
    static EmbeddedMariaDb mariaDb;
    static StandaloneFlinkCluster cluster;
    static Path confFile;
    static PipelineConf conf;
    static int nextOrder = 700001;

    @BeforeAll
    static void start() throws Exception {
        mariaDb = SampleSource.start(dir);
        cluster = StandaloneFlinkCluster.start(dir.resolve("flink"), 8);
        String sections = TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)
                .replace("flink:\n  web-ui-port: 0\n", "flink:\n  target: remote\n  address: " + cluster.address() + "\n")
                .replace("checkpoint-interval: 1s", "checkpoint-interval: 2s")
                // Restarts at most 4 s apart: the jobs come back within seconds of MySQL or a TaskManager.
                .replace("restart-attempts: 0\n", "restart-attempts: 20\n  restart-delay: 1s\n  options:\n"
                        + "    restart-strategy.exponential-delay.max-backoff: 4s\n");
        confFile = TestConfs.write(dir, sections);
        // Templates of this test's own, so it can change the SQL of a running layer.
        Path templates = dir.resolve("templates");
        Files.createDirectories(templates);
        try (java.util.stream.Stream<Path> files = Files.list(TestConfs.templatesDir())) {
            for (Path file : files.toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Files.writeString(confFile, Files.readString(confFile).replace("templates: " + TestConfs.templatesDir(),
                "templates: " + templates));
        conf = TestConfs.load(confFile);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (mariaDb != null) {
            mariaDb.close();
        }
    }

    @Test
    @Order(1)
    void aKilledClientsJobsAreAdoptedNotSubmittedTwice() throws Exception {
        Path log = dir.resolve("stream-1.log");
        Process first = ChildWeir.start(log, "stream", "--conf", confFile.toString());
        try {
            Await.until(Duration.ofMinutes(4), () -> read(log).contains("Running;"), () -> read(log));
            awaitTotalsEqualMySql(log);
            assertOneRunningJobPerLayer();
            assertTrue(read(log).contains("Each job carries ") && read(log).contains(" MB) from "), read(log));
        } finally {
            first.destroyForcibly();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        Map<String, String> before = runningJobs();
        assertEquals(LAYERS.size(), before.size(), "the jobs outlive their client: " + before);

        Path second = dir.resolve("stream-2.log");
        Process again = ChildWeir.start(second, "stream", "--conf", confFile.toString());
        try {
            Await.until(Duration.ofMinutes(2), () -> read(second).contains("Running;"), () -> read(second));
            for (String layer : LAYERS) {
                assertTrue(read(second).contains("  " + layer + ": job " + before.get(layer)
                        + ", already running on the cluster: adopted"), read(second));
            }
            assertEquals(before, runningJobs(), "no job submitted a second time");
            newPaidOrder("user_003", "100.00");
            awaitTotalsEqualMySql(second);
            assertOneRunningJobPerLayer();
        } finally {
            again.destroy();
            assertTrue(again.waitFor(3, TimeUnit.MINUTES));
        }
        assertEquals(0, again.exitValue(), read(second));
        assertTrue(read(second).contains("Stopped. The next run resumes from these savepoints."), read(second));
        assertEquals(Map.of(), runningJobs(), "Ctrl-C stops the adopted jobs too");
    }

    @Test
    @Order(2)
    void detachedStreamStopsWithSavepointsAndResumesWithNothingLost() throws Exception {
        Path log = dir.resolve("detach.log");
        assertEquals(0, ChildWeir.run(log, Duration.ofMinutes(4), "stream", "--detach", "--conf", confFile.toString()),
                read(log));
        assertTrue(read(log).contains("Every job runs on " + cluster.webUrl()), read(log));
        for (String layer : LAYERS) {
            assertTrue(read(log).contains("  " + layer + ": job ") && read(log).contains(", resumed from "), read(log));
        }
        assertOneRunningJobPerLayer();

        Path jobs = dir.resolve("jobs.log");
        assertEquals(0, ChildWeir.run(jobs, Duration.ofMinutes(2), "jobs", "--conf", confFile.toString()), read(jobs));
        for (String layer : LAYERS) {
            assertTrue(Pattern.compile("(?m)^" + layer + " +RUNNING +[0-9a-f]{32} ").matcher(read(jobs)).find(), read(jobs));
        }

        // The same cluster named by its IPv6 loopback literal, in brackets as in a URL.
        if (StandaloneFlinkCluster.IPV6_LOOPBACK) {
            Path v6conf = dir.resolve("pipeline-ipv6.yaml");
            Files.writeString(v6conf, Files.readString(confFile).replace("address: " + cluster.address(),
                    "address: '" + cluster.ipv6Address() + "'"));
            Path v6jobs = dir.resolve("jobs-ipv6.log");
            assertEquals(0, ChildWeir.run(v6jobs, Duration.ofMinutes(2), "jobs", "--conf", v6conf.toString()),
                    read(v6jobs));
            for (String layer : LAYERS) {
                assertTrue(Pattern.compile("(?m)^" + layer + " +RUNNING +[0-9a-f]{32} ").matcher(read(v6jobs)).find(),
                        read(v6jobs));
            }
        } else {
            System.out.println("this host cannot bind ::1: the IPv6 address of the cluster is not tried");
        }

        Path status = dir.resolve("status.log");
        assertEquals(0, ChildWeir.run(status, Duration.ofMinutes(2), "status", "--conf", confFile.toString()), read(status));
        for (String layer : LAYERS) {
            assertTrue(Pattern.compile("(?m)^" + layer + " +stream ").matcher(read(status)).find(),
                    layer + " is stream-written: " + read(status));
            assertTrue(Pattern.compile("(?m)^" + layer + " +RUNNING +[0-9a-f]{32} ").matcher(read(status)).find(),
                    layer + "'s job is in the status: " + read(status));
        }
        assertTrue(read(status).contains("Jobs on " + cluster.webUrl() + ":"), read(status));

        Path stop = dir.resolve("stop.log");
        assertEquals(0, ChildWeir.run(stop, Duration.ofMinutes(4), "stop", "--conf", confFile.toString()), read(stop));
        assertTrue(read(stop).contains("Stopped. The next weir stream resumes from these savepoints."), read(stop));
        assertEquals(Map.of(), runningJobs());

        newPaidOrder("user_001", "12.34");
        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = buy_fee + 1, update_time = NOW() WHERE order_id = 100001");

        Path resume = dir.resolve("resume.log");
        assertEquals(0, ChildWeir.run(resume, Duration.ofMinutes(4), "stream", "--detach", "--conf", confFile.toString()),
                read(resume));
        awaitTotalsEqualMySql(resume);
        assertOneRunningJobPerLayer();
    }

    @Test
    @Order(3)
    void aReplacedTaskManagerLosesNothing() throws Exception {
        Map<String, String> before = runningJobs();
        cluster.killTaskManagers();
        newPaidOrder("user_002", "55.55");
        cluster.startTaskManager();
        Path log = dir.resolve("after-tm.log");
        awaitTotalsEqualMySql(log);
        // The totals prove only the dws_users chain recovered; other jobs may still be in a restart's backoff.
        assertOneRunningJobPerLayer();
        assertEquals(before, runningJobs(), "the same jobs recovered from their checkpoints");
    }

    /**
     * The MySQL password (from the environment) appears nowhere it could leak: not in any command's
     * output, the cluster's logs, the REST API's view of every job (config, plan, exceptions),
     * checkpoints and savepoints, or the warehouse's files.
     */
    @Test
    @Order(5)
    void thePasswordIsNowhereToBeFound() throws Exception {
        String password = PASSWORD;
        Matcher jobs = JOB.matcher(cluster.rest("/jobs/overview"));
        int seen = 0;
        while (jobs.find()) {
            seen++;
            for (String path : List.of("/config", "/plan", "/exceptions")) {
                String body = cluster.rest("/jobs/" + jobs.group(1) + path);
                assertTrue(!body.contains(password), "GET /jobs/" + jobs.group(1) + path + " shows the password");
            }
        }
        assertTrue(seen >= LAYERS.size(), "the REST API still lists the jobs that ran");
        List<Path> searched = sweepForPassword(dir);
        assertTrue(searched.stream().anyMatch(f -> f.toString().contains("/warehouse/"))
                && searched.stream().anyMatch(f -> f.toString().contains("/savepoints/"))
                && searched.stream().anyMatch(f -> f.toString().endsWith("taskmanager-1.log"))
                && searched.stream().anyMatch(f -> f.toString().endsWith("stream-1.log")),
                "the sweep covered the warehouse, savepoints, cluster logs and command output");
    }

    /** Every file under {@code root} but MariaDB's own, searched for the MySQL password; the files searched. */
    private static List<Path> sweepForPassword(Path root) throws java.io.IOException {
        byte[] secret = PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Path> searched = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(dir.resolve("mariadb")))
                    .toList()) {
                if (Files.size(file) < 64_000_000L) {
                    assertTrue(indexOf(Files.readAllBytes(file), secret) < 0, "the password is in " + file);
                    searched.add(file);
                }
            }
        }
        return searched;
    }

    /** Ctrl-C on a following peek stops its collect job too: on a cluster it would otherwise run on. */
    @Test
    @Order(6)
    void aFollowingPeekLeavesNoJobBehind() throws Exception {
        assertEquals(Map.of(), runningJobs());
        Path log = dir.resolve("peek.log");
        Process peek = ChildWeir.start(log, "peek", "--table", "dws_users", "--follow", "--from-snapshot", "1",
                "--conf", confFile.toString());
        try {
            Await.until(Duration.ofMinutes(2), () -> read(log).contains("+I"), () -> read(log));
            assertTrue(cluster.rest("/jobs/overview").contains("\"state\":\"RUNNING\""), cluster.rest("/jobs/overview"));
        } finally {
            peek.destroy();
            assertTrue(peek.waitFor(1, TimeUnit.MINUTES));
        }
        Await.until(Duration.ofMinutes(1), () -> !cluster.rest("/jobs/overview").contains("\"state\":\"RUNNING\""),
                () -> cluster.rest("/jobs/overview"));
    }

    /**
     * A warehouse registered in a Hive Metastore, backfilled on the cluster: the jobs' Paimon committers
     * reach the metastore with the job lib's Hive client, and the table and partition are registered.
     */
    @Test
    @Order(7)
    void aWarehouseInAHiveMetastoreIsWrittenByTheClustersJobs() throws Exception {
        try (io.weir.sandbox.HiveMetastore metastore = io.weir.sandbox.HiveMetastore.start(dir.resolve("metastore"))) {
            // The conf's warehouse line, whichever form its URI took (a directory's gets a trailing '/' once it exists).
            String text = Files.readString(confFile);
            String warehouseLine = text.lines().filter(line -> line.startsWith("  uri: ") && line.contains("/warehouse"))
                    .findFirst().orElseThrow(() -> new AssertionError("no warehouse uri in " + text));
            Path hiveConf = dir.resolve("hive").resolve("pipeline.yaml");
            Files.createDirectories(hiveConf.getParent());
            Files.writeString(hiveConf, text.replace(warehouseLine, "  uri: " + dir.resolve("hive-warehouse").toUri())
                    .replace("warehouse:\n", "warehouse:\n  metastore:\n    type: hive\n    uri: " + metastore.uri() + "\n"));
            assertTrue(TestConfs.load(hiveConf).warehouse().uri().contains("/hive-warehouse"), Files.readString(hiveConf));
            Path log = dir.resolve("hive-backfill.log");
            assertEquals(0, ChildWeir.run(log, Duration.ofMinutes(4), "backfill", "--layer", "ods_orders", "--from",
                    "2023-02-15", "--to", "2023-02-15", "--conf", hiveConf.toString()), read(log));
            long mysql;
            try (java.sql.Connection c = mariaDb.connect(SampleSource.DATABASE); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM orders WHERE DATE(create_time) = '2023-02-15'")) {
                rs.next();
                mysql = rs.getLong(1);
            }
            assertTrue(mysql > 0, "the sample has orders on 2023-02-15");
            try (Lake lake = new Lake(TestConfs.load(hiveConf).warehouse())) {
                assertEquals(mysql, lake.rowsOfPartitions("ods_orders", List.of("20230215")).size());
            }
            org.apache.hadoop.hive.conf.HiveConf hive = new org.apache.hadoop.hive.conf.HiveConf();
            hive.set("hive.metastore.uris", metastore.uri());
            org.apache.hadoop.hive.metastore.HiveMetaStoreClient client = new org.apache.hadoop.hive.metastore.HiveMetaStoreClient(hive);
            try {
                assertTrue(client.listPartitionNames("order_dw", "ods_orders", (short) -1).contains("ds=20230215"),
                        "the cluster's job registered the partition");
                assertTrue(client.getAllTables("weir").contains("run_log"), "the ledger is registered too");
            } finally {
                client.close();
            }
            // The metastore keeps every table's options: the password must not be among them, nor in the files.
            List<Path> searched = new ArrayList<>(sweepForPassword(dir.resolve("hive-warehouse")));
            searched.addAll(sweepForPassword(dir.resolve("metastore")));
            assertTrue(searched.stream().anyMatch(f -> f.toString().contains("/hive-warehouse/order_dw.db/ods_orders/"))
                    && searched.stream().anyMatch(f -> f.startsWith(dir.resolve("metastore").resolve("metastore_db").resolve("seg0"))),
                    "the sweep covered the Hive warehouse and the metastore's files: " + searched.size());
        }
    }

    /**
     * A running layer's SQL replaced twice: once in a way its state survives, once in a way it does
     * not. Orders paid before, between and after each upgrade are each counted exactly once.
     */
    @Test
    @Order(4)
    void anUpgradeReplacesRunningSqlWithNothingLostOrCountedTwice() throws Exception {
        // The jobs that survived the TaskManager's replacement run on.
        assertOneRunningJobPerLayer();
        Map<String, String> before = runningJobs();

        // Compatible: another expression of the same value; the operators and their state stay.
        editTemplate("SUM(order_fee)", "SUM(order_fee + 0)");
        Path refused = dir.resolve("upgrade-refused.log");
        assertEquals(2, ChildWeir.run(refused, Duration.ofMinutes(4), "stream", "--detach", "--conf",
                confFile.toString()), read(refused));
        assertTrue(read(refused).contains("with other SQL") && read(refused).contains(
                "Replace it with weir stream --upgrade --layer dws_users"), read(refused));
        assertEquals(before, runningJobs(), "a refused start stops nothing");

        newPaidOrder("user_001", "10.01");
        Path compatible = dir.resolve("upgrade-compatible.log");
        assertEquals(0, ChildWeir.run(compatible, Duration.ofMinutes(6), "stream", "--detach", "--upgrade", "--conf",
                confFile.toString()), read(compatible));
        assertTrue(read(compatible).contains("dws_users: upgraded to sql:")
                && read(compatible).contains(", its state restored from "), read(compatible));
        Map<String, String> afterCompatible = runningJobs();
        assertSameJobsBut("dws_users", before, afterCompatible);
        newPaidOrder("user_002", "20.02");
        awaitTotalsEqualMySql(compatible);
        assertOneRunningJobPerLayer();

        // Incompatible: MIN adds an accumulator the saved state lacks; the value stays SUM's.
        editTemplate("SUM(order_fee + 0)", "SUM(order_fee) + MIN(order_fee) - MIN(order_fee)");
        Path plan = dir.resolve("upgrade-plan.log");
        assertEquals(0, ChildWeir.run(plan, Duration.ofMinutes(4), "stream", "--upgrade", "--dry-run", "--conf",
                confFile.toString()), read(plan));
        assertTrue(read(plan).contains("dws_users: job " + afterCompatible.get("dws_users") + " runs sql:")
                && read(plan).contains("1. stop job " + afterCompatible.get("dws_users") + " with a savepoint")
                && read(plan).contains("3. otherwise, empty 20230215..")
                && read(plan).contains("then start it without state, reading its sources from their start")
                && read(plan).contains("dwd_orders: runs sql:"), read(plan));
        assertEquals(afterCompatible, runningJobs(), "a dry run stops nothing");

        newPaidOrder("user_003", "30.03");
        Path incompatible = dir.resolve("upgrade-incompatible.log");
        assertEquals(0, ChildWeir.run(incompatible, Duration.ofMinutes(8), "stream", "--detach", "--upgrade", "--conf",
                confFile.toString()), read(incompatible));
        assertTrue(read(incompatible).contains("does not fit the new SQL")
                && read(incompatible).contains("dws_users: emptying 20230215..")
                && read(incompatible).contains("without state, reading its sources from their start"),
                read(incompatible));
        assertSameJobsBut("dws_users", afterCompatible, runningJobs());
        newPaidOrder("user_001", "40.04");
        // A change to an order paid long before the upgrade: its retraction needs the whole state.
        SampleSource.execute(mariaDb, "UPDATE orders SET buy_fee = buy_fee + 2, update_time = NOW() WHERE order_id = 100001");
        awaitTotalsEqualMySql(incompatible);
        assertOneRunningJobPerLayer();

        try (Lake lake = new Lake(conf.warehouse())) {
            List<io.weir.runner.lake.Upgrades.Upgrade> upgrades = new io.weir.runner.lake.Upgrades(lake).of(conf.name());
            assertEquals(List.of("dws_users RESTORED", "dws_users FRESH"),
                    upgrades.stream().map(u -> u.layer() + " " + u.outcome()).toList(), upgrades.toString());
            assertTrue(upgrades.get(1).partitionsEmptied() >= 2 && upgrades.get(1).rebuildRun().isEmpty(),
                    "a table that sums what it receives is emptied, not rebuilt: " + upgrades);
        }
        // MySQL down while the jobs run: a client started now adopts them instead of refusing the source.
        Map<String, String> jobsNow = runningJobs();
        int port = mariaDb.port();
        mariaDb.close();
        Path outage = dir.resolve("outage.log");
        Process during = ChildWeir.start(outage, "stream", "--detach", "--conf", confFile.toString());
        try {
            Await.until(Duration.ofMinutes(3), () -> LAYERS.stream().allMatch(layer -> read(outage).contains(
                    "  " + layer + ": job ")), () -> read(outage));
            for (String layer : LAYERS) {
                assertTrue(read(outage).contains("  " + layer + ": job " + jobsNow.get(layer)
                        + ", already running on the cluster: adopted"), read(outage));
            }
        } finally {
            mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), port);
        }
        assertTrue(during.waitFor(5, TimeUnit.MINUTES), read(outage));
        assertEquals(0, during.exitValue(), read(outage));
        newPaidOrder("user_002", "50.05");
        awaitTotalsEqualMySql(outage);
        assertOneRunningJobPerLayer();

        Path stop = dir.resolve("upgrade-stop.log");
        assertEquals(0, ChildWeir.run(stop, Duration.ofMinutes(4), "stop", "--conf", confFile.toString()), read(stop));
    }

    private static void editTemplate(String from, String to) throws Exception {
        Path template = dir.resolve("templates/dws_users.sql");
        String sql = Files.readString(template);
        assertTrue(sql.contains(from), sql);
        Files.writeString(template, sql.replace(from, to));
    }

    private static void assertSameJobsBut(String layer, Map<String, String> before, Map<String, String> after) {
        assertEquals(before.keySet(), after.keySet(), after.toString());
        for (String other : before.keySet()) {
            assertEquals(!other.equals(layer), before.get(other).equals(after.get(other)),
                    other + ": " + before + " -> " + after);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void newPaidOrder(String user, String fee) throws Exception {
        int id = nextOrder++;
        SampleSource.execute(mariaDb,
                "INSERT INTO orders VALUES (" + id + ", '" + user + "', 12345, 1, " + fee
                        + ", '2023-02-16 10:00:00', '2023-02-16 10:00:00', 1)",
                "INSERT INTO orders_pay VALUES (" + (id - 690000) + ", " + id + ", 1, '2023-02-16 11:00:00')");
    }

    private static void awaitTotalsEqualMySql(Path log) throws Exception {
        Map<String, Map<String, java.math.BigDecimal>> expected = SampleSource.userTotalsByPayDay(mariaDb);
        try (Lake lake = new Lake(conf.warehouse())) {
            Await.until(Duration.ofMinutes(4), () -> expected.equals(Totals.byPartition(lake, "dws_users", "user_id")),
                    () -> "lake " + Totals.byPartition(lake, "dws_users", "user_id") + " vs MySQL " + expected
                            + "\njobs " + cluster.rest("/jobs/overview") + "\n" + read(log));
        }
    }

    /**
     * Exactly one RUNNING job per layer, named with its identity; a job just submitted may take a
     * moment to reach RUNNING, so it is awaited, but a second job of a layer fails at once.
     */
    private static void assertOneRunningJobPerLayer() {
        List<String> expected = new ArrayList<>(LAYERS);
        expected.sort(null);
        Await.until(Duration.ofMinutes(2), () -> {
            List<String> running = new ArrayList<>(runningJobs().keySet());
            assertEquals(running.size(), runningNames().size(), "two RUNNING jobs of one layer: " + runningNames());
            return expected.equals(running);
        }, () -> cluster.rest("/jobs/overview"));
    }

    /** The layer of every RUNNING job, duplicates kept. */
    private static List<String> runningNames() {
        List<String> names = new ArrayList<>();
        Matcher m = JOB.matcher(cluster.rest("/jobs/overview"));
        while (m.find()) {
            if (m.group(3).equals("RUNNING")) {
                names.add(m.group(2).split(" ")[2]);
            }
        }
        return names;
    }

    /** Layer name to the id of its RUNNING job. */
    private static Map<String, String> runningJobs() {
        Map<String, String> jobs = new TreeMap<>();
        Matcher m = JOB.matcher(cluster.rest("/jobs/overview"));
        while (m.find()) {
            if (m.group(3).equals("RUNNING")) {
                jobs.put(m.group(2).split(" ")[2], m.group(1));
            }
        }
        return jobs;
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
