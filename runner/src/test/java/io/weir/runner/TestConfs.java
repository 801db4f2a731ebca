package io.weir.runner;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Pipeline confs for tests: the example warehouse's layers over temporary directories. */
public final class TestConfs {

    private TestConfs() {}

    public static Path projectDir() {
        String dir = System.getProperty("weir.project.dir");
        Path path = dir != null ? Path.of(dir) : Path.of("..");
        return path.toAbsolutePath().normalize();
    }

    public static Path templatesDir() {
        return projectDir().resolve("sql-templates");
    }

    /** The layers section of the example warehouse, as the quickstart conf declares it, unscheduled. */
    public static String exampleLayers() {
        try {
            String quickstart = Files.readString(projectDir().resolve("conf/quickstart.yaml"));
            // Without the quickstart's schedules: a test schedules the layers it means to.
            return quickstart.substring(quickstart.indexOf("\nlayers:") + 1).replaceAll("(?m)^    schedule: .*\n", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a conf into {@code dir} with the example layers; {@code sections} holds YAML for
     * everything but layers and templates.
     */
    public static Path write(Path dir, String sections) {
        return write(dir, sections, exampleLayers());
    }

    public static Path write(Path dir, String sections, String layers) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("pipeline.yaml");
            Files.writeString(file, "templates: " + templatesDir() + "\n" + sections + "\n" + layers);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String standardSections(Path dir, int mysqlPort, String database) {
        return "pipeline:\n  name: test\n  start-date: 2023-01-01\n"
                + "warehouse:\n  uri: " + dir.resolve("warehouse").toUri() + "\n  database: order_dw\n"
                + "source:\n  hostname: 127.0.0.1\n  port: " + mysqlPort + "\n  database: " + database
                + "\n  username: root\n  password: ${env:WEIR_TEST_MYSQL_PASSWORD}\n"
                + "  options:\n    debezium.poll.interval.ms: '20'\n"
                + "flink:\n  web-ui-port: 0\n  parallelism: 1\n  checkpoint-interval: 1s\n"
                + "  state-dir: " + dir.resolve("state").toUri() + "\n  source-idle-timeout: 2s\n"
                + "  restart-attempts: 0\n";
    }

    /**
     * The example's pipeline with a short lag for closing tests on stand-in streams: checkpoints of
     * 200 ms, quiet after 2 s (a lag of 10.6 s). No source is reached.
     */
    public static PipelineConf shortLag(Path dir) {
        return load(write(dir, standardSections(dir, 3306, "shop")
                .replace("  restart-attempts: 0\n", "  restart-attempts: 0\n  quiet-timeout: 2s\n")
                .replace("checkpoint-interval: 1s", "checkpoint-interval: 200ms")));
    }

    public static PipelineConf load(Path file) {
        return new PipelineConfLoader(PipelineConfLoader.environmentWith(
                Map.of("WEIR_TEST_MYSQL_PASSWORD", "s3cr3t-pw"))).load(file);
    }
}
