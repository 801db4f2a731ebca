package io.weir.cli;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Runs layers as continuous Flink jobs (INSERT INTO), creating missing tables first."
                + " Ctrl-C or SIGTERM stops every job with a savepoint; the next run resumes from it.")
final class StreamCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-l", "--layer"}, paramLabel = "LAYER", description = "Layer to run; repeatable (default: all).")
    List<String> layers;

    @Option(names = "--fresh", description = "Start without saved state: re-read sources from the beginning.")
    boolean fresh;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationArgument.class,
            description = "Stop (with savepoints) after this long, e.g. 10min (default: until interrupted).")
    Duration duration;

    @Option(names = "--detach", description = "Submit (or adopt) the jobs, return once each runs, and leave them"
            + " to the cluster (flink.target: remote). weir stop stops them with savepoints.")
    boolean detach;

    @Option(names = "--upgrade", description = "Replace a layer's running SQL with its template's: from the old"
            + " job's savepoint if its state fits, otherwise without state after rebuilding in batch what the new job"
            + " cannot produce. Nothing is lost or counted twice.")
    boolean upgrade;

    @Option(names = "--dry-run", description = "With --upgrade: print what it would do to each layer, and stop.")
    boolean dryRun;

    @Override
    public Integer call() {
        PipelineConf pipeline = conf.load();
        List<LayerConf> chosen = layers == null ? pipeline.layers() : layers.stream().map(pipeline::layer).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun && !upgrade) {
            throw io.weir.runner.WeirException.badInput("--dry-run shows an upgrade's plan: give it with --upgrade");
        }
        if (upgrade && fresh) {
            throw io.weir.runner.WeirException.badInput("--upgrade and --fresh exclude each other: --upgrade keeps"
                    + " the state where it fits and rebuilds what a start without it cannot produce");
        }
        if (dryRun && pipeline.embeddedSource().isEmpty()) {
            StreamSession.planUpgrades(pipeline, chosen, out);
            return 0;
        }
        if (detach) {
            if (pipeline.flink().target() != io.weir.runner.conf.WeirOptions.FlinkTarget.REMOTE) {
                throw io.weir.runner.WeirException.badInput("--detach needs flink.target: remote; the embedded Flink"
                        + " cluster ends with this process");
            }
            if (pipeline.embeddedSource().isPresent()
                    || pipeline.serving().map(io.weir.runner.conf.ServingConf::embedded)
                            .orElse(false)) {
                throw io.weir.runner.WeirException.badInput("--detach needs a source and serving store that outlive this"
                        + " process; the embedded ones end with it (source.type / serving.type: embedded)");
            }
            if (duration != null) {
                throw io.weir.runner.WeirException.badInput("--detach and --duration exclude each other: a detached"
                        + " stream runs until weir stop");
            }
            StreamSession.detach(pipeline, chosen, fresh, upgrade, out);
            return 0;
        }
        // The embedded serving store only when a chosen layer is served: --layer ods_orders needs none.
        boolean serves = chosen.stream().anyMatch(l -> pipeline.servedTables().contains(l.table()));
        try (EmbeddedSource embedded = EmbeddedSource.startIfEmbedded(pipeline);
                EmbeddedServing serving = serves
                        ? EmbeddedServing.startIfEmbedded(embedded != null ? embedded.conf() : pipeline) : null) {
            PipelineConf effective = pipeline;
            if (embedded != null) {
                effective = embedded.conf();
                embedded.startGenerator();
                out.println("Embedded MariaDB on port " + embedded.port() + " with the sample warehouse.");
            }
            if (serving != null) {
                effective = serving.conf();
                out.println("Embedded PostgreSQL (serving, with the Hologres emulation) on port " + serving.port() + ".");
            }
            if (dryRun) {
                StreamSession.planUpgrades(effective, chosen, out);
                return 0;
            }
            StreamSession.run(effective, chosen, fresh, upgrade, duration, out, c -> { });
        }
        return 0;
    }
}
