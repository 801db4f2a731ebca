package io.weir.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The weir command in a child JVM (with this test's class path), for kill -9 tests. */
final class ChildWeir {

    /** The MySQL password every child process gets from its environment. */
    static final String MYSQL_PASSWORD = "s3cr3t-pw";


    private ChildWeir() {}

    /** The logging a user's weir has, not the tests' own: what the child prints is what a user would see. */
    private static final String USERS_LOGGING = requireFile(Path.of("src/main/resources/log4j2.properties"));

    private static String requireFile(Path path) {
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new IllegalStateException("no " + path.toAbsolutePath() + ": the cli module's tests run in its directory");
        }
        return path.toAbsolutePath().toString();
    }

    /** Runs a command to its end; its exit code, with its output appended to {@code log}. */
    static int run(Path log, java.time.Duration timeout, String... args) throws Exception {
        Process process = start(log, args);
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("weir " + String.join(" ", args) + " did not end within " + timeout + ":\n"
                    + java.nio.file.Files.readString(log));
        }
        return process.exitValue();
    }

    static Process start(Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.text=ALL-UNNAMED",
                "--add-opens=java.base/java.time=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.base/java.math=ALL-UNNAMED",
                "-Xmx1g", "-Dlog4j2.configurationFile=" + USERS_LOGGING,
                "-D" + io.weir.runner.cluster.JobJars.LIB_PROPERTY + "="
                        + System.getProperty(io.weir.runner.cluster.JobJars.LIB_PROPERTY, ""),
                "-cp", System.getProperty("java.class.path"), Weir.class.getName()));
        String options = System.getProperty("weir.child-jvm-options", "").trim();
        if (!options.isEmpty()) {
            command.addAll(1, List.of(options.split("\\s+")));
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("WEIR_TEST_MYSQL_PASSWORD", MYSQL_PASSWORD);
        return builder.start();
    }
}
