package io.weir.cli;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.UiConf;
import io.weir.runner.lake.Lake;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Serves a live status page: the layer graph, each table's watermark and freshness, a grid of"
                + " partitions by state, the runs and what waits and why; and its JSON API (/api/status, /api/grid,"
                + " /api/ledger). Reads the lake and the ledger, so it works with or without a running weir process.")
final class UiCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: ui.port, 8082; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ui.bind, 127.0.0.1).")
    String bind;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationArgument.class,
            description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        Ports.check("--port", port);
        PipelineConf pipeline = conf.load();
        UiConf ui = new UiConf(bind != null ? bind : pipeline.ui().bind(), port != null ? port : pipeline.ui().port());
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        StopSignal.install(stop::countDown);
        try (Lake lake = new Lake(pipeline);
                StatusServer server = StatusServer.start(new PipelineStatus(pipeline, lake), ui)) {
            out.println("Weir status page of " + pipeline.name() + ": " + server.url() + " (Ctrl-C stops it)");
            out.flush();
            if (duration != null) {
                stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
        }
        return 0;
    }
}
