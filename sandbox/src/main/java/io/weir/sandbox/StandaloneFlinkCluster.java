package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster: a JobManager ({@code StandaloneSessionClusterEntrypoint})
 * and TaskManagers ({@code TaskManagerRunner}), each a child JVM on the class path of a Flink
 * distribution's {@code lib/}. Memory settings come from Flink's {@code BashJavaUtils}, as
 * {@code bin/config.sh} gets them. The cluster has Flink's jars only: connectors come with the jobs.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

    /** Where the build puts the rebuilt lib/ (module sandbox/flink-dist). */
    public static final String LIB_PROPERTY = "weir.flink-dist";

    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final Pattern TASK_MANAGER_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final List<String> JDK_OPENS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED", "--add-opens=java.base/java.math=ALL-UNNAMED");

    private final Path home;
    private final String classPath;
    private final int restPort;
    private final Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    private int started;

    private StandaloneFlinkCluster(Path home, String classPath, int restPort, Process jobManager) {
        this.home = home;
        this.classPath = classPath;
        this.restPort = restPort;
        this.jobManager = jobManager;
    }

    /** Starts a JobManager and one TaskManager with {@code slots} slots; returns once the slots are registered. */
    public static StandaloneFlinkCluster start(Path home, int slots) {
        Path lib = lib();
        try {
            Files.createDirectories(home.resolve("conf"));
            Files.createDirectories(home.resolve("log"));
            Files.createDirectories(home.resolve("tmp"));
            int restPort = Ports.free();
            Files.writeString(home.resolve("conf/config.yaml"), String.join("\n",
                    "jobmanager.rpc.address: localhost",
                    "jobmanager.rpc.port: " + Ports.free(),
                    "jobmanager.bind-host: localhost",
                    "taskmanager.bind-host: localhost",
                    "taskmanager.host: localhost",
                    "rest.address: localhost",
                    // Every address of the host where it has IPv6, so a client can name it either way.
                    "rest.bind-address: " + (IPV6_LOOPBACK ? "\"::\"" : "localhost"),
                    "rest.port: " + restPort,
                    "jobmanager.memory.process.size: 2g",
                    // The JobManager loads each job's lib too (Paimon's and the CDC source's enumerators
                    // run there), and gives too little of it back: 256 MB ran out after ~30 jobs.
                    "jobmanager.memory.jvm-metaspace.size: 1g",
                    "taskmanager.memory.process.size: 3g",
                    // Each job's class loader holds the connectors' classes (README: metaspace per job).
                    "taskmanager.memory.jvm-metaspace.size: 1g",
                    "taskmanager.memory.managed.size: 512m",
                    "taskmanager.numberOfTaskSlots: " + slots,
                    "parallelism.default: 1",
                    // Working dirs (2 GB of job jars in a TaskManager's blob cache) inside the cluster's
                    // home, which its owner deletes: a TaskManager killed with -9 cleans up nothing.
                    "io.tmp.dirs: " + home.resolve("tmp"),
                    "") );
            Files.copy(StandaloneFlinkCluster.class.getResourceAsStream("/flink-cluster-log4j.properties"),
                    home.resolve("conf/log4j.properties"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            String classPath;
            try (Stream<Path> jars = Files.list(lib)) {
                classPath = String.join(java.io.File.pathSeparator,
                        jars.filter(p -> p.toString().endsWith(".jar")).sorted().map(Path::toString).toList());
            }
            Process jobManager = launch(home, classPath, "jobmanager",
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "GET_JM_RESOURCE_PARAMS");
            StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(home, classPath, restPort, jobManager);
            try {
                cluster.startTaskManager();
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path lib() {
        String configured = System.getProperty(LIB_PROPERTY);
        if (configured == null || !Files.isDirectory(Path.of(configured))) {
            throw new IllegalStateException("no Flink lib/ at " + configured + " (system property " + LIB_PROPERTY
                    + "): build module sandbox/flink-dist first");
        }
        return Path.of(configured);
    }

    /** Whether this host can bind its IPv6 loopback address. */
    public static final boolean IPV6_LOOPBACK = canBind("::1");

    private static boolean canBind(String address) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(address))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The REST endpoint by the IPv6 loopback literal, as flink.address takes it; only where {@link #IPV6_LOOPBACK}. */
    public String ipv6Address() {
        return "[::1]:" + restPort;
    }

    /** host:port of the REST endpoint, as flink.address takes it. */
    public String address() {
        return "localhost:" + restPort;
    }

    public String webUrl() {
        return "http://" + address();
    }

    /**
     * Starts one more TaskManager and waits until the JobManager has registered it (a killed one
     * stays listed until its heartbeat times out, so a count would not do).
     */
    public void startTaskManager() {
        java.util.Set<String> known = taskManagerIds();
        started++;
        taskManagers.add(launch(home, classPath, "taskmanager-" + started,
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "GET_TM_RESOURCE_PARAMS"));
        awaitNewTaskManager(known, Duration.ofMinutes(2));
    }

    private java.util.Set<String> taskManagerIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        try {
            Matcher m = TASK_MANAGER_ID.matcher(rest("/taskmanagers"));
            while (m.find()) {
                ids.add(m.group(1));
            }
        } catch (RuntimeException notUpYet) {
            // no JobManager answering yet: no TaskManager known
        }
        return ids;
    }

    /** kill -9 of every TaskManager: their jobs fail over once a new one registers. */
    public void killTaskManagers() {
        for (Process taskManager : taskManagers) {
            taskManager.destroyForcibly();
            try {
                taskManager.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        taskManagers.clear();
    }

    /** GET of a REST path, e.g. {@code /jobs/overview}; the body as text. */
    public String rest(String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(webUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitNewTaskManager(java.util.Set<String> known, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited (" + jobManager.exitValue() + "); see "
                        + home.resolve("log"));
            }
            java.util.Set<String> ids = taskManagerIds();
            last = ids.toString();
            if (!known.containsAll(ids)) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the cluster registered no new TaskManager within " + timeout
                + " (registered: " + last + "); see " + home.resolve("log"));
    }

    /** Starts one Flink process the way bin/flink-daemon.sh does, with BashJavaUtils' memory settings. */
    private static Process launch(Path home, String classPath, String name, String mainClass, String resourceCommand) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path conf = home.resolve("conf");
        List<String> resources = bashJavaUtils(java, classPath, conf, resourceCommand);
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(Arrays.asList(resources.get(0).trim().split("\\s+")));
        command.addAll(JDK_OPENS);
        command.addAll(ChildJvm.options());
        command.addAll(List.of(
                "-Djava.io.tmpdir=" + home.resolve("tmp"),
                // As the README advises: the MySQL driver's cleanup thread would keep every ended job's
                // class loader alive, in the TaskManager and in the JobManager, which runs the CDC
                // source's enumerator.
                "-Dcom.mysql.cj.disableAbandonedConnectionCleanup=true",
                "-Dlog.file=" + home.resolve("log/" + name + ".log"),
                "-Dlog4j.configuration=file:" + conf.resolve("log4j.properties"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-cp", classPath, mainClass, "--configDir", conf.toString()));
        command.addAll(Arrays.asList(resources.get(1).trim().split("\\s+")));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(home.resolve("log/" + name + ".out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Flink " + name, e);
        }
    }

    /** The JVM options and dynamic properties Flink computes from the conf's memory settings. */
    private static List<String> bashJavaUtils(String java, String classPath, Path conf, String command) {
        try {
            Process process = new ProcessBuilder(java, "-cp", classPath,
                    "org.apache.flink.runtime.util.bash.BashJavaUtils", command, "--configDir", conf.toString())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + output);
            }
            List<String> results = output.lines().filter(l -> l.startsWith(RESULT_PREFIX))
                    .map(l -> l.substring(RESULT_PREFIX.length())).toList();
            if (results.size() < 2) {
                throw new IllegalStateException("BashJavaUtils " + command + " printed no settings:\n" + output);
            }
            return results.subList(results.size() - 2, results.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }


    /** Stops every process it started (by PID, forcibly: a test cluster keeps nothing). */
    @Override
    public void close() {
        killTaskManagers();
        jobManager.destroyForcibly();
        try {
            jobManager.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
