package io.weir.cli;

import io.weir.runner.WeirException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.Ledger;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "Lists the run ledger: every partition every run built, with its status, rows and SQL hash.")
final class RunsCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-l", "--layer"}, paramLabel = "LAYER", description = "Only this layer.")
    String layer;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "Only this run.")
    String run;

    @Option(names = "--json", description = "JSON instead of a table.")
    boolean json;

    @Option(names = "--limit", paramLabel = "N", description = "The newest N entries (default: ${DEFAULT-VALUE}).")
    int limit = 200;

    @Override
    public Integer call() throws Exception {
        if (limit < 1) {
            throw WeirException.badInput("--limit must be at least 1, got " + limit);
        }
        PipelineConf pipeline = conf.load();
        if (layer != null) {
            pipeline.layer(layer);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!Lake.exists(pipeline.warehouse())) {
            if (run != null) {
                throw WeirException.badInput("no run '" + run + "': pipeline " + pipeline.name() + " has no warehouse yet ("
                        + pipeline.warehouse().uri() + ")");
            }
            out.println(json ? "[ ]" : "No runs recorded for pipeline " + pipeline.name() + ": no warehouse yet at "
                    + pipeline.warehouse().uri() + ".");
            return 0;
        }
        try (Lake lake = new Lake(pipeline)) {
            Ledger ledger = new Ledger(lake);
            // Only the days of history that hold what is shown are read.
            java.util.function.Predicate<LedgerEntry> ofLayer = e -> layer == null || layer.equals(e.layer());
            List<LedgerEntry> entries = run != null
                    ? ledger.run(run).stream().filter(e -> pipeline.name().equals(e.pipeline())).filter(ofLayer).toList()
                    : ledger.recent(pipeline.name(), ofLayer, found -> found.size() >= limit);
            if (run != null && entries.isEmpty()) {
                throw WeirException.badInput("no run '" + run + "'" + (layer != null ? " of layer " + layer : "")
                        + " in the ledger of pipeline " + pipeline.name() + " (weir runs lists the newest)");
            }
            entries = entries.subList(Math.max(0, entries.size() - limit), entries.size());
            if (json) {
                out.println(new ObjectMapper().registerModule(new JavaTimeModule())
                        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                        .writerWithDefaultPrettyPrinter().writeValueAsString(entries));
                return 0;
            }
            if (entries.isEmpty()) {
                out.println("No runs recorded for pipeline " + pipeline.name() + (layer != null ? " layer " + layer : "") + ".");
                return 0;
            }
            String format = "%-21s %-20s %-11s %-8s %-7s %10s %8s  %-16s %s%n";
            out.printf(format, "RUN", "LAYER", "PARTITION", "MODE", "STATUS", "ROWS", "SECONDS", "SQL", "ERROR");
            for (LedgerEntry e : entries) {
                String seconds = e.finishedAt() == null ? "-"
                        : String.format("%.1f", Duration.between(e.startedAt(), e.finishedAt()).toMillis() / 1000.0);
                out.printf(format, e.runId(), e.layer(), e.partition().isEmpty() ? "(all)" : e.partition(), e.mode(),
                        e.status().name().toLowerCase(), String.format("%,d", e.rowsWritten()), seconds, e.sqlHash(),
                        e.error() == null ? "" : e.error());
            }
            return 0;
        }
    }
}
