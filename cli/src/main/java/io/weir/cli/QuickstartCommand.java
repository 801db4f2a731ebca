package io.weir.cli;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SourceConf;
import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.WeirException;
import io.weir.runner.lake.Lake;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Runs the example e-commerce warehouse on the embedded default: MariaDB with seed 000's"
                + " sample rows and a generator of new orders, a local Paimon warehouse, an in-process Flink"
                + " cluster. Shows the DWS totals as they change; Ctrl-C stops with savepoints.")
final class QuickstartCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = {"-c", "--conf"}, paramLabel = "FILE",
            description = "Pipeline definition with an embedded source (default: conf/quickstart.yaml).")
    Path confFile;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Keep warehouse, Flink state and MariaDB data here instead of the conf's directories.")
    Path workDir;

    @Option(names = "--ui-port", paramLabel = "PORT", description = "Flink web UI port (0 picks a free one).")
    Integer uiPort;

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "Port of the status page, as weir ui serves it (default: ui.port, 8082; 0 picks a free one).")
    Integer statusPort;

    @Option(names = "--mysql-port", paramLabel = "PORT", description = "Embedded MariaDB port (0 picks a free one).")
    Integer mysqlPort;

    @Option(names = "--serving-port", paramLabel = "PORT", description = "Embedded PostgreSQL (serving) port (0 picks a free one).")
    Integer servingPort;

    @Option(names = "--fresh", description = "Delete the quickstart's data and state first.")
    boolean fresh;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationArgument.class,
            description = "Stop (with savepoints) after this long (default: until Ctrl-C).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        PipelineConf conf = effectiveConf();
        PrintWriter out = spec.commandLine().getOut();
        if (fresh) {
            deleteLocal(conf.warehouse().uri());
            deleteLocal(conf.flink().stateDir());
            deleteLocal(conf.embeddedSource().orElseThrow().embeddedDir().toUri().toString());
            conf.serving().ifPresent(s -> deleteLocal(s.embeddedDir().toUri().toString()));
        }
        out.println("Weir quickstart: the e-commerce warehouse of seed 000 (orders, orders_pay, product_catalog"
                + " -> ODS -> dwd_orders -> dws_users, dws_shops)");
        try (EmbeddedSource embedded = EmbeddedSource.startIfEmbedded(conf);
                EmbeddedServing serving = EmbeddedServing.startIfEmbedded(embedded.conf())) {
            out.println("Embedded MariaDB on port " + embedded.port() + "; warehouse " + conf.warehouse().uri());
            PipelineConf running = embedded.conf();
            if (serving != null) {
                running = serving.conf();
                out.println("Embedded PostgreSQL (serving, with the Hologres emulation) on port " + serving.port());
            }
            LiveView view = new LiveView(embedded, new TotalsView(out), new ServingView(out), out);
            try (Lake lake = new Lake(running); StatusServer page = statusPage(running, lake, out)) {
                StreamSession.run(running, conf.layers(), fresh, false, duration, out, view::poll);
            }
            out.println("Generated " + embedded.ordersGenerated() + " new orders while running.");
        }
        return 0;
    }

    /** The page of weir ui, beside the jobs; a port in use costs the page, not the quickstart. */
    private StatusServer statusPage(PipelineConf running, Lake lake, PrintWriter out) {
        try {
            StatusServer page = StatusServer.start(new PipelineStatus(running, lake), running.ui());
            out.println("Status page: " + page.url());
            return page;
        } catch (WeirException e) {
            out.println("No status page: " + e.getMessage());
            return null;
        }
    }

    private PipelineConf effectiveConf() {
        Ports.check("--status-port", statusPort);
        Ports.check("--ui-port", uiPort);
        Ports.check("--mysql-port", mysqlPort);
        Ports.check("--serving-port", servingPort);
        PipelineConf loaded = ConfOption.load(confFile);
        SourceConf source = loaded.embeddedSource().orElseThrow(() ->
                WeirException.badInput(loaded.file() + ": source.type: quickstart needs 'embedded'"));
        PipelineConf conf = loaded;
        if (workDir != null) {
            Path dir = workDir.toAbsolutePath().normalize();
            conf = conf.withWarehouse(new WarehouseConf(dir.resolve("warehouse").toUri().toString(),
                            conf.warehouse().database(), conf.warehouse().options(), conf.warehouse().ledgerDatabase()))
                    .withFlink(conf.flink().withStateDir(dir.resolve("state").toUri().toString()));
            source = source.withEmbedded(dir.resolve("mariadb"), source.embeddedPort(), source.embeddedOrdersPerSecond());
        }
        if (mysqlPort != null) {
            source = source.withEmbedded(source.embeddedDir(), mysqlPort, source.embeddedOrdersPerSecond());
        }
        conf = conf.withSource(source);
        if (conf.serving().isPresent()) {
            var serving = conf.serving().get();
            Path servingDir = workDir != null ? workDir.toAbsolutePath().normalize().resolve("postgres") : serving.embeddedDir();
            conf = conf.withServing(serving.withEmbedded(servingDir, servingPort != null ? servingPort : serving.embeddedPort()));
        }
        if (uiPort != null) {
            conf = conf.withFlink(conf.flink().withWebUiPort(uiPort));
        }
        if (statusPort != null) {
            conf = conf.withUi(conf.ui().withPort(statusPort));
        }
        return conf;
    }

    private static void deleteLocal(String uri) {
        if (!uri.startsWith("file:")) {
            return;
        }
        Path path = Path.of(java.net.URI.create(uri));
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shows the totals; once seed 000's totals are in, applies its live change and starts new orders. */
    private static final class LiveView {
        private final EmbeddedSource embedded;
        private final TotalsView totals;
        private final ServingView serving;
        private final PrintWriter out;
        private boolean liveTrafficStarted;

        LiveView(EmbeddedSource embedded, TotalsView totals, ServingView serving, PrintWriter out) {
            this.embedded = embedded;
            this.totals = totals;
            this.serving = serving;
            this.out = out;
        }

        void poll(PipelineConf conf) {
            boolean seedTotalsIn = totals.refresh(conf);
            serving.refresh(conf);
            if (seedTotalsIn && !liveTrafficStarted) {
                liveTrafficStarted = true;
                if (embedded.applyLiveChangeOnce()) {
                    out.println("-> MySQL: seed 000's live change, order 100008 (user_003, shop 12345, 6000.02)"
                            + " paid by payment 2008");
                }
                embedded.startGenerator();
                out.println("-> MySQL: generating " + conf.embeddedSource().orElseThrow().embeddedOrdersPerSecond()
                        + " new paid orders per second (today's partition)");
                out.flush();
            }
        }
    }
}
