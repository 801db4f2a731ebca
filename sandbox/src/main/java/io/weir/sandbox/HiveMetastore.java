package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Hive Metastore 3.1.3 (thrift server, embedded Derby under {@code home}), a child JVM on the
 * class path of module sandbox/hive-dist. Its data survives a {@link #close()}: {@link #start} on the
 * same home and port is a restart.
 */
public final class HiveMetastore implements AutoCloseable {

    /** Where the build puts the metastore's jars (module sandbox/hive-dist). */
    public static final String LIB_PROPERTY = "weir.hive-dist";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final int port;
    private final Process process;

    private HiveMetastore(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /** Starts a metastore on a free port. */
    public static HiveMetastore start(Path home) {
        return start(home, Ports.free());
    }

    /** Starts the metastore whose Derby database lies under {@code home}; returns once it accepts connections. */
    public static HiveMetastore start(Path home, int port) {
        if (port < 1 || port > 65535) {
            // The metastore takes its port as given: 0 would not pick a free one.
            throw new IllegalArgumentException("a Hive Metastore needs a port from 1 to 65535, got " + port);
        }
        try {
            Files.createDirectories(home);
            Path log4j = home.resolve("log4j2.properties");
            Files.writeString(log4j, String.join("\n",
                    "rootLogger.level = WARN",
                    "rootLogger.appenderRef.f.ref = F",
                    "appender.f.type = File",
                    "appender.f.name = F",
                    "appender.f.fileName = " + home.resolve("metastore.log"),
                    "appender.f.layout.type = PatternLayout",
                    "appender.f.layout.pattern = %d %-5p %c{1} - %m%n", ""));
            List<String> command = new ArrayList<>(List.of(ChildJvm.java(), "-Xmx512m"));
            command.addAll(ChildJvm.options());
            command.addAll(List.of(
                    "-Dderby.stream.error.file=" + home.resolve("derby.log"),
                    "-Dlog4j.configurationFile=" + log4j,
                    "-cp", ChildJvm.classPath(LIB_PROPERTY, "sandbox/hive-dist"), "org.apache.hadoop.hive.metastore.HiveMetaStore", "-p", String.valueOf(port)));
            for (String setting : List.of(
                    "javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=" + home.resolve("metastore_db") + ";create=true",
                    "datanucleus.schema.autoCreateAll=true",
                    "metastore.schema.verification=false",
                    "metastore.warehouse.dir=" + home.resolve("hive-warehouse").toUri(),
                    // The defaults of these two name classes of hive-exec, which a standalone metastore lacks:
                    // without them its main thread dies and the JVM lives on with the port closed.
                    "metastore.expression.proxy=org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy",
                    "metastore.task.threads.always=org.apache.hadoop.hive.metastore.events.EventCleanerTask,"
                            + "org.apache.hadoop.hive.metastore.RuntimeStatsCleanerTask")) {
                command.add("--hiveconf");
                command.add(setting);
            }
            Process metastore = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("metastore.out").toFile())).start();
            ChildJvm.awaitListening(metastore, port, START_TIMEOUT, "the Hive Metastore", home.resolve("metastore.log"));
            return new HiveMetastore(port, metastore);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String uri() {
        return "thrift://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the metastore (SIGTERM: Derby shuts down cleanly) and waits for it. */
    @Override
    public void close() {
        ChildJvm.stop(process);
    }
}
