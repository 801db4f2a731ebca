package io.weir.bench;

import io.weir.cli.Weir;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.TableCreator;
import io.weir.runner.template.Renderer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * weir peek of one partition of 1,000,000 rows with --limit 100: the time from the command's start
 * to its first row printed, on the embedded target (each peek starts its in-process cluster, so
 * that start is included), three times in one warm JVM.
 *
 * <p>Usage: bench/run PeekBench [rows, default 1000000]
 */
public final class PeekBench {

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path work = Files.createTempDirectory("weir-peek-bench");
        Path home = Path.of(System.getProperty("weir.home", "."));
        Path confFile = work.resolve("peek.yaml");
        Files.writeString(confFile, Files.readString(home.resolve("conf/quickstart.yaml"))
                .replace("templates: ../sql-templates", "templates: " + home.resolve("sql-templates").toAbsolutePath())
                .replace("uri: ../.weir/quickstart/warehouse", "uri: " + work.resolve("warehouse").toUri())
                .replace("web-ui-port: 8081", "web-ui-port: 0")
                .replace("state-dir: ../.weir/quickstart/state", "state-dir: " + work.resolve("state").toUri()));
        PipelineConf conf = new PipelineConfLoader().load(confFile);
        long started = System.nanoTime();
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            Renderer renderer = new Renderer(conf);
            new TableCreator(conf, session, renderer).createMissingTables();
            BackfillBench.generateDwdOrders(session, conf, renderer, rows, 1);
        }
        System.out.printf("Wrote %,d rows into dwd_orders partition 20230301 in %.1f s%n", rows,
                (System.nanoTime() - started) / 1e9);
        for (int i = 1; i <= 3; i++) {
            FirstWrite first = new FirstWrite();
            StringWriter err = new StringWriter();
            long t0 = System.nanoTime();
            int code = Weir.commandLine(new PrintWriter(first, true), new PrintWriter(err, true)).execute("peek",
                    "--conf", confFile.toString(), "--table", "dwd_orders", "--partition", "20230301", "--limit", "100");
            long t1 = System.nanoTime();
            if (code != 0) {
                throw new IllegalStateException("peek exited " + code + ": " + err);
            }
            System.out.printf("peek %d: first row after %.2f s, done after %.2f s (%s)%n", i,
                    (first.at - t0) / 1e9, (t1 - t0) / 1e9, first.text.toString().lines()
                            .filter(l -> l.contains("row(s) of")).findFirst().orElse("?"));
        }
    }

    /** Remembers when the command first printed. */
    private static final class FirstWrite extends Writer {
        long at;
        final StringBuilder text = new StringBuilder();

        @Override
        public void write(char[] buffer, int offset, int length) {
            if (at == 0) {
                at = System.nanoTime();
            }
            text.append(buffer, offset, length);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
