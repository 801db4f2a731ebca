package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.serving.ServingSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Replaces the serving table's rows of each day in the range with the lake's, one transaction per"
                + " run: a reader sees the old rows or the new ones, never a mix. Backfills and scheduled runs do this"
                + " by themselves; this is the same step by hand.")
final class SyncCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-t", "--table"}, required = true, paramLabel = "TABLE", description = "Served lake table.")
    String table;

    @Option(names = "--from", required = true, paramLabel = "WHEN",
            description = "First partition: a day yyyy-MM-dd, an hour 'yyyy-MM-dd HH:00', or a partition value.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "WHEN", description = "Last partition (inclusive).")
    String to;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        if (pipeline.serving().isEmpty()) {
            throw WeirException.badInput(pipeline.file() + ": no serving section: nothing to sync to");
        }
        if (!pipeline.servedTables().contains(table)) {
            throw WeirException.badInput("--table " + table + " is not served (serving.tables: "
                    + String.join(", ", pipeline.servedTables()) + " in " + pipeline.file() + ")");
        }
        LayerConf layer = pipeline.layerWritingTable(table).orElseThrow();
        if (layer.partition().isEmpty()) {
            throw WeirException.badInput("table " + table + " is unpartitioned: its stream sync keeps it in step");
        }
        PartitionRange range = PartitionRange.parse(layer, "--from", from, "--to", to).requireFromStart(pipeline)
                .requireBounded(layer);
        List<String> partitions = layer.partition().get().partitions(range).stream().map(Partition::value).toList();
        PrintWriter out = spec.commandLine().getOut();
        try (EmbeddedServing serving = EmbeddedServing.startIfEmbedded(pipeline);
                Lake lake = new Lake(pipeline)) {
            PipelineConf effective = serving != null ? serving.conf() : pipeline;
            long started = System.nanoTime();
            ServingSync sync = new ServingSync(effective, lake);
            long rows = sync.resync(table, partitions);
            out.printf("%s: %d partition(s) %s..%s replaced in %s, %,d rows, %.1f s%n", table, partitions.size(),
                    partitions.get(0), partitions.get(partitions.size() - 1),
                    effective.serving().orElseThrow().describe(table), rows, (System.nanoTime() - started) / 1e9);
            if (!sync.pending(table).isEmpty()) {
                out.printf("%s: waiting for its sync job to read past the commits older than the replacement%n", table);
                java.util.Map<String, Long> left = sync.settle(table);
                out.println(left.isEmpty() ? table + ": replaced again once it had"
                        : table + ": " + left.size() + " partition(s) stay pending: its sync job records no progress"
                        + " (is weir stream running?); weir stream replaces them again once it has read past them");
            }
        }
        return 0;
    }
}
