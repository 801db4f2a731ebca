package io.weir.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.weir.backfill.verify.RowDiff;
import io.weir.backfill.verify.Verifier;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.template.Renderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Recomputes a layer's batch form for a date range into a scratch table (the layer's own table is"
                + " never touched) and compares every partition row by row: equal, differing, missing and extra rows,"
                + " with samples. Exits 1 on any difference.")
final class VerifyCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-l", "--layer"}, required = true, paramLabel = "LAYER", description = "Layer to verify.")
    String layer;

    @Option(names = "--from", required = true, paramLabel = "WHEN",
            description = "First partition: a day yyyy-MM-dd, an hour 'yyyy-MM-dd HH:00', or a partition value.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "WHEN", description = "Last partition (inclusive).")
    String to;

    @Option(names = "--serving", description = "Also compare the serving table with the lake, partition by partition.")
    boolean serving;

    @Option(names = "--json", description = "Print the comparison as JSON.")
    boolean json;

    @Option(names = "--upstream", description = "Also verify every layer this one reads, directly or through others,"
            + " over the partitions it reads, upstream first: a layer equals a recomputation from a stale input, so"
            + " only the input's own check shows it.")
    boolean upstream;

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        LayerConf layerConf = pipeline.layer(layer);
        PartitionRange range = PartitionRange.parse(layerConf, "--from", from, "--to", to).requireBounded(layerConf);
        if (serving && !pipeline.servedTables().contains(layerConf.table())) {
            throw WeirException.badInput("--serving: table " + layerConf.table() + " is not served (serving.tables in "
                    + pipeline.file() + ")");
        }
        new Renderer(pipeline).checkAll();
        PipelineConf verifyConf = pipeline.withFlink(pipeline.flink().withWebUiPort(0));
        Map<LayerConf, PartitionRange> layers = upstream ? Verifier.withUpstream(pipeline, layerConf, range)
                : Map.of(layerConf, range);
        Map<String, List<RowDiff.PartitionDiff>> inputs = new LinkedHashMap<>();
        Map<String, List<RowDiff.PartitionDiff>> results = new LinkedHashMap<>();
        try (Lake lake = new Lake(pipeline)) {
            for (LayerConf each : layers.keySet()) {
                if (!lake.tableExists(each.table())) {
                    throw WeirException.badInput("table " + each.table() + " does not exist yet: run or backfill "
                            + each.name() + " first");
                }
            }
            boolean staged = layers.entrySet().stream().anyMatch(e ->
                    new Renderer(verifyConf).batch(e.getKey(), e.getValue()).staging().isPresent());
            try (EmbeddedSource embedded = staged ? EmbeddedSource.startIfEmbedded(verifyConf) : null;
                    EmbeddedServing servingStore = serving ? EmbeddedServing.startIfEmbedded(
                            embedded != null ? embedded.conf() : verifyConf) : null) {
                PipelineConf effective = servingStore != null ? servingStore.conf()
                        : embedded != null ? embedded.conf() : verifyConf;
                try (FlinkSession session = FlinkSession.start(effective.flink())) {
                    Verifier verifier = new Verifier(effective, session, new Renderer(effective), lake);
                    if (upstream) {
                        inputs.putAll(verifier.verifyInputs(layerConf, range));
                    }
                    results.put("lake", verifier.verify(layerConf, range));
                    if (serving) {
                        results.put("serving", verifier.verifyServing(layerConf, range));
                    }
                }
            }
        }
        print(inputs, results);
        boolean same = java.util.stream.Stream.concat(inputs.values().stream(), results.values().stream())
                .flatMap(List::stream).allMatch(RowDiff.PartitionDiff::same);
        return same ? 0 : WeirException.JOB_FAILURE;
    }

    private void print(Map<String, List<RowDiff.PartitionDiff>> inputs, Map<String, List<RowDiff.PartitionDiff>> results)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>(results);
            if (upstream) {
                all.put("upstream", inputs);
                Verifier.staleInputNote(layer, inputs, results.get("lake")).ifPresent(note -> all.put("note", note));
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(all));
            out.flush();
            return;
        }
        Map<String, List<RowDiff.PartitionDiff>> shown = new LinkedHashMap<>();
        inputs.forEach((name, diffs) -> shown.put("input " + name, diffs));
        shown.putAll(results);
        for (Map.Entry<String, List<RowDiff.PartitionDiff>> result : shown.entrySet()) {
            String against = result.getKey().equals("lake") ? layer + " vs its batch recomputation"
                    : result.getKey().equals("serving") ? "serving " + layer + " vs the lake"
                    : result.getKey().substring("input ".length()) + " (read by " + layer + ") vs its batch recomputation";
            TextTable table = new TextTable("PARTITION", "EQUAL", "DIFFERING", "MISSING", "EXTRA");
            int differing = 0;
            for (RowDiff.PartitionDiff d : result.getValue()) {
                table.row(d.partition().isEmpty() ? "(all)" : d.partition(), String.valueOf(d.equal()),
                        String.valueOf(d.differing()), String.valueOf(d.missing()), String.valueOf(d.extra()));
                differing += d.same() ? 0 : 1;
            }
            out.println(against + ": " + (differing == 0 ? "every partition equal"
                    : differing + " of " + result.getValue().size() + " partition(s) differ"));
            table.print(out);
            for (RowDiff.PartitionDiff d : result.getValue()) {
                d.samples().forEach(s -> out.println("  " + (d.partition().isEmpty() ? "" : d.partition() + " ") + s));
            }
        }
        Verifier.staleInputNote(layer, inputs, results.get("lake")).ifPresent(out::println);
        out.flush();
    }
}
