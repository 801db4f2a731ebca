package io.weir.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the sandbox's servers in JVMs of their own (a Kafka broker, a Hive Metastore) share. */
final class ChildJvm {

    private ChildJvm() {}

    /** This JVM's java, for a child of the same version. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * JVM options for every child server, from the system property {@code weir.child-jvm-options}:
     * the test suite runs them with the client compiler only, which halves their CPU on a small machine.
     */
    static List<String> options() {
        String options = System.getProperty("weir.child-jvm-options", "").trim();
        return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    /** Every jar in the directory the system property names, which the module's build fills. */
    static String classPath(String property, String module) throws IOException {
        String configured = System.getProperty(property);
        if (configured == null || !Files.isDirectory(Path.of(configured))) {
            throw new IllegalStateException("no jars at " + configured + " (system property " + property
                    + "): build module " + module + " first");
        }
        List<String> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(configured))) {
            files.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(f -> jars.add(f.toString()));
        }
        return String.join(java.io.File.pathSeparator, jars);
    }

    /**
     * Returns once the process accepts connections on the port; stops it and fails, pointing at
     * {@code log}, when it exits or does not listen in time. A port, not the process, says it is up:
     * a server whose main thread died may leave its JVM alive.
     */
    static void awaitListening(Process process, int port, Duration timeout, String name, Path log)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        stop(process);
        throw new IllegalStateException(name + " did not listen within " + timeout + "; see " + log);
    }

    /** SIGTERM, so the server shuts down cleanly; SIGKILL if it has not within 30 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
