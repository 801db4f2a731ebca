package io.weir.cli;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillPlanner;
import io.weir.backfill.BackfillRequest;
import io.weir.backfill.BackfillResult;
import io.weir.backfill.BackfillRunner;
import io.weir.backfill.Chunk;
import io.weir.backfill.LateChanges;
import io.weir.backfill.LayerPlan;
import io.weir.backfill.Ledger;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = "Rebuilds a layer's partitions for a date range with INSERT OVERWRITE batch jobs, recording"
                + " every partition in the run ledger. Partitions already built with the same SQL are skipped.")
final class BackfillCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @ArgGroup(exclusive = false)
        Range range;

        @Option(names = "--retry", paramLabel = "RUN_ID",
                description = "Re-run only the failed partitions of that run, over its original window.")
        String retry;
    }

    static final class Range {
        @Option(names = {"-l", "--layer"}, required = true, paramLabel = "LAYER", description = "Layer to rebuild.")
        String layer;

        @Option(names = "--from", required = true, paramLabel = "WHEN",
                description = "First partition: a day yyyy-MM-dd, an hour 'yyyy-MM-dd HH:00', or a partition value.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "WHEN",
                description = "Last partition (inclusive): a day (its last hour, for hourly layers), an hour, or a"
                        + " partition value.")
        String to;
    }

    @Option(names = "--cascade", description = "Then rebuild every downstream layer for the same days.")
    boolean cascade;

    @Option(names = "--batch-size", paramLabel = "N", description = "Partitions per Flink job (default: ${DEFAULT-VALUE}).")
    int batchSize = BackfillRequest.DEFAULT_BATCH_SIZE;

    @Option(names = "--concurrency", paramLabel = "K", description = "Jobs at a time (default: ${DEFAULT-VALUE}).")
    int concurrency = 1;

    @Option(names = "--dry-run", description = "Print the plan (chunks and their SQL) and write nothing.")
    boolean dryRun;

    @Option(names = "--force", description = "Also rebuild partitions the ledger shows done with the same SQL.")
    boolean force;

    @Option(names = "--allow-open", description = "Also rebuild partitions whose upstream watermark has not passed their end.")
    boolean allowOpen;

    /** More jobs at once than this only queue for the cluster's slots. */
    static final int MAX_CONCURRENCY = 32;

    @Override
    public Integer call() {
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw WeirException.badInput("--concurrency must be between 1 and " + MAX_CONCURRENCY + ", got " + concurrency);
        }
        if (batchSize < 1) {
            throw WeirException.badInput("--batch-size must be at least 1, got " + batchSize);
        }
        PipelineConf pipeline = conf.load();
        PrintWriter out = spec.commandLine().getOut();
        // A backfill's own cluster lives only as long as the command: any free port.
        PipelineConf backfillConf = pipeline.withFlink(pipeline.flink().withWebUiPort(0));
        try (Lake lake = new Lake(pipeline)) {
            Renderer renderer = new Renderer(backfillConf);
            Ledger ledger = new Ledger(lake);
            BackfillPlanner planner = new BackfillPlanner(backfillConf, renderer, lake, ledger);
            BackfillPlan plan = target.retry != null
                    ? planner.retry(target.retry, batchSize, concurrency)
                    : planner.plan(new BackfillRequest(target.range.layer, PartitionRange.parse(
                            pipeline.layer(target.range.layer), "--from", target.range.from, "--to", target.range.to),
                            cascade, batchSize, concurrency, force, allowOpen));
            describe(plan, backfillConf, out);
            if (dryRun) {
                printSql(plan, backfillConf, out);
                out.println("Dry run: nothing written, nothing recorded.");
                return 0;
            }
            if (plan.partitionCount() == 0) {
                out.println("Nothing to do: every partition is built with the current SQL (--force rebuilds them).");
                return 0;
            }
            try {
                return run(plan, pipeline, backfillConf, lake, ledger, out);
            } catch (RunNotStarted e) {
                // The plan above named a run id; say that it never ran, so no one looks for it in the ledger.
                Throwable cause = e.getCause();
                int exit = cause instanceof WeirException w ? w.exitCode() : WeirException.JOB_FAILURE;
                throw new WeirException(exit, "run " + plan.runId() + " did not start, and nothing was written or"
                        + " recorded: " + cause.getMessage(), cause);
            }
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            throw new WeirException(WeirException.JOB_FAILURE, e.getMessage(), e);
        }
    }

    /** What failed before the run's first step, so that the run holds nothing. */
    private static final class RunNotStarted extends RuntimeException {
        RunNotStarted(Exception cause) {
            super(cause);
        }
    }

    private int run(BackfillPlan plan, PipelineConf pipeline, PipelineConf backfillConf, Lake lake, Ledger ledger,
            PrintWriter out) throws Exception {
        try (EmbeddedSource embedded = needsSource(plan)
                        ? beforeTheRun(() -> EmbeddedSource.startIfEmbedded(backfillConf)) : null;
                EmbeddedServing serving = servesAny(plan, backfillConf) ? beforeTheRun(() -> EmbeddedServing
                        .startIfEmbedded(embedded != null ? embedded.conf() : backfillConf)) : null) {
            PipelineConf effective = serving != null ? serving.conf() : embedded != null ? embedded.conf() : backfillConf;
            try (FlinkSession session = beforeTheRun(() -> FlinkSession.start(effective.flink()))) {
                long started = System.nanoTime();
                Renderer effectiveRenderer = new Renderer(effective);
                BackfillPlan toRun = embedded == null && serving == null ? plan
                        : new BackfillPlanner(effective, effectiveRenderer, lake, ledger).rendered(plan);
                // Ctrl-C ends the process: say what was interrupted and how to finish it.
                Thread interrupted = new Thread(() -> System.err.println("\nweir: interrupted: run " + toRun.runId()
                        + " stopped; rebuild what it did not finish with: weir backfill --retry " + toRun.runId()));
                Runtime.getRuntime().addShutdownHook(interrupted);
                BackfillResult result;
                try {
                    result = new BackfillRunner(effective, session, effectiveRenderer, lake, ledger)
                            .run(toRun, concurrency, new ProgressBarReporter(progressStream()));
                } finally {
                    removeHook(interrupted);
                }
                out.printf("run %s: %d partitions done, %d failed, %,d rows written in %.1f s%n", result.runId(),
                        result.partitionsDone(), result.partitionsFailed(), result.rowsWritten(),
                        (System.nanoTime() - started) / 1e9);
                if (!result.succeeded()) {
                    result.failures().forEach(f -> out.println("  failed: " + f));
                    if (result.ledgerComplete()) {
                        out.println("Re-run the failed partitions with: weir backfill --retry " + result.runId());
                    } else {
                        out.println("The ledger could not record every outcome of this run, so --retry would miss"
                                + " some. Once the cause is fixed, rebuild what it did not finish with:");
                        redoCommands(result.unfinished(), toRun).forEach(c -> out.println("  " + c));
                    }
                    out.flush();
                    return WeirException.JOB_FAILURE;
                }
                result.leftToOthers().forEach(chunk -> out.println("  skipped: " + chunk));
                List<String> unsettled = new LateChanges(new BackfillPlanner(effective, effectiveRenderer, lake, ledger),
                        new BackfillRunner(effective, session, effectiveRenderer, lake, ledger))
                        .settle(toRun, result, batchSize, concurrency, allowOpen,
                                () -> new ProgressBarReporter(progressStream()), line -> {
                                    out.println(line);
                                    out.flush();
                                });
                if (!unsettled.isEmpty()) {
                    // Either the inputs kept changing through every pass, or a pass's rebuild failed (named as such).
                    out.println("Not settled: " + String.join("; ", unsettled) + ". Their inputs changed during the run"
                            + " (after " + LateChanges.PASSES + " more builds at most), and the running stream keeps"
                            + " out of those partitions, so they miss the newest changes; `weir status` lists them. Run"
                            + " the backfill again once the changes pause.");
                    out.flush();
                    return WeirException.JOB_FAILURE;
                }
                streamsThatMissTheRebuild(toRun, effective).forEach(layer -> out.println("note: the " + layer
                        + " stream never reads an overwrite, so its partitions that read the ones this run rebuilt"
                        + " keep their old results; rebuild them with --cascade or `weir backfill --layer " + layer
                        + "` (`weir status` lists them), or give " + layer + " a schedule."));
                result.staleStreamState().forEach((layer, open) -> out.println("note: the " + layer
                        + " stream keeps its own state for the open partition(s) this run rebuilt (" + String.join(", ", open)
                        + "), and that state never saw the rebuild: its next change to a key there writes the stream's"
                        + " value over the rebuilt row, unless the table sums what the stream sends (merge-engine"
                        + " aggregation with sum). They hold the batch result again once they seal and are built"
                        + (pipeline.layer(layer).scheduled() ? " (the schedule does that)." : ": backfill them then,"
                                + " or give " + layer + " a schedule.")));
                for (String layer : result.streamKeepsOut()) {
                    if (!pipeline.layer(layer).scheduled()) {
                        out.println("note: the running " + layer + " stream keeps out of the partitions this run"
                                + " sealed: later changes to their inputs reach them only by a rebuild. `weir status`"
                                + " lists those that need one; a schedule on " + layer + " rebuilds them by itself.");
                    }
                }
                return 0;
            }
        }
    }

    /** Starts what the run needs; a failure here happened before the run's first step. */
    private static <T> T beforeTheRun(java.util.function.Supplier<T> start) {
        try {
            return start.get();
        } catch (RuntimeException e) {
            throw new RunNotStarted(e);
        }
    }

    /**
     * The layers downstream of the run's that it did not rebuild, that no schedule rebuilds, and
     * whose stream has read the rebuilt tables: streaming readers skip overwrites.
     */
    static List<String> streamsThatMissTheRebuild(BackfillPlan plan, PipelineConf conf) {
        java.util.Set<String> rebuilt = new java.util.HashSet<>();
        plan.layers().stream().filter(l -> l.partitionCount() > 0).forEach(l -> rebuilt.add(l.layer().name()));
        java.util.Set<String> missing = new java.util.LinkedHashSet<>();
        for (LayerPlan layer : plan.layers()) {
            if (!rebuilt.contains(layer.layer().name())) {
                continue;
            }
            for (io.weir.runner.conf.LayerConf downstream : conf.downstreamOf(layer.layer())) {
                if (!rebuilt.contains(downstream.name()) && !downstream.scheduled() && downstream.partitioned()
                        && new io.weir.runner.session.LayerState(conf, downstream).streamingSince().isPresent()) {
                    missing.add(downstream.name());
                }
            }
        }
        return List.copyOf(missing);
    }

    /**
     * One command per layer and run of adjacent partitions that did not finish, upstream layers
     * first. {@code --force}: those partitions may hold an older build of the same SQL.
     */
    static List<String> redoCommands(List<Chunk> unfinished, BackfillPlan plan) {
        List<String> commands = new ArrayList<>();
        Chunk first = null;
        Chunk last = null;
        for (Chunk chunk : unfinished) {
            boolean adjacent = last != null && last.layer().equals(chunk.layer()) && !chunk.partitions().isEmpty()
                    && !last.partitions().isEmpty()
                    && last.partitions().get(last.partitions().size() - 1).end().equals(chunk.partitions().get(0).start());
            if (first != null && !adjacent) {
                commands.add(redoCommand(first, last, plan));
                first = null;
            }
            if (first == null) {
                first = chunk;
            }
            last = chunk;
        }
        if (first != null) {
            commands.add(redoCommand(first, last, plan));
        }
        return commands;
    }

    private static String redoCommand(Chunk first, Chunk last, BackfillPlan plan) {
        String from = first.partitions().isEmpty() ? plan.from().toString() : first.partitions().get(0).value();
        String to = last.partitions().isEmpty() ? plan.to().toString()
                : last.partitions().get(last.partitions().size() - 1).value();
        return "weir backfill --layer " + first.layer().name() + " --from " + from + " --to " + to + " --force";
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs
        }
    }

    private static boolean servesAny(BackfillPlan plan, PipelineConf conf) {
        return plan.layers().stream().anyMatch(l -> conf.servedTables().contains(l.layer().table()));
    }

    private static boolean needsSource(BackfillPlan plan) {
        return plan.layers().stream().flatMap(l -> l.chunks().stream()).anyMatch(c -> c.rendered().staging().isPresent());
    }

    private static void describe(BackfillPlan plan, PipelineConf conf, PrintWriter out) {
        out.println("run " + plan.runId() + " (" + plan.mode() + (plan.retryOf() != null ? " of " + plan.retryOf() : "")
                + "), window " + plan.from() + ".." + plan.to() + ":");
        for (LayerPlan layer : plan.layers()) {
            out.printf("  %s: %d partition(s) in %d job(s)%s%n", layer.layer().name(), layer.partitionCount(),
                    layer.chunks().size(), layer.skipped().isEmpty() ? ""
                            : ", " + layer.skipped().size() + " skipped (up to date, or being built now)");
            for (String open : layer.openPartitions()) {
                out.println("    warning: open partition " + open);
            }
        }
        out.flush();
    }

    private static void printSql(BackfillPlan plan, PipelineConf conf, PrintWriter out) {
        for (LayerPlan layer : plan.layers()) {
            for (Chunk chunk : layer.chunks()) {
                out.println();
                out.println("-- job: " + chunk.describe());
                out.print(conf.secrets().mask(chunk.rendered().script()));
            }
        }
    }

    private PrintStream progressStream() {
        return System.err;
    }
}
