package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;

import java.util.List;
import java.util.Optional;

/**
 * What a layer's plan must satisfy, checked wherever a layer is planned to run (validate, render,
 * stream, backfill, schedule). A layer that reads another layer's table must list it as upstream:
 * cascades, readiness and late data follow the upstream list, so an unlisted one would leave the
 * layer stale without a word. And its partition column must come from each row, not an aggregate
 * ({@link PartitionColumnOrigin}).
 */
public final class LayerPlanCheck {

    private LayerPlanCheck() {}

    /** Checks the inserts as planned on {@code tEnv}, whose setup statements have run. */
    public static void check(PipelineConf conf, LayerConf layer, TableEnvironment tEnv, List<String> inserts) {
        for (String insert : inserts) {
            if (layer.partition().isPresent()) {
                String column = layer.partition().get().column();
                PartitionColumnOrigin.aggregateOf(tEnv, insert, column).ifPresent(aggregate -> {
                    throw WeirException.badInput(layer.template() + ": layer '" + layer.name() + "' fills its partition"
                            + " column " + column + " from an aggregate (" + aggregate + "), so a row's partition would"
                            + " depend on how many partitions one job covers: a backfill of a range would put them"
                            + " all into one. Take " + column + " from each input row, and GROUP BY it");
                });
                PartitionColumnOrigin.dateFormatOf(tEnv, insert, column)
                        .flatMap(pattern -> formatMismatch(layer.partition().get(), pattern)).ifPresent(mismatch -> {
                            throw WeirException.badInput(layer.template() + ": layer '" + layer.name() + "' " + mismatch);
                        });
            }
            for (List<String> name : TablesRead.of(tEnv, insert)) {
                if (name.size() == 3 && name.get(0).equals(Renderer.CATALOG)
                        && name.get(1).equals(conf.warehouse().database())) {
                    checkTable(conf, layer, name.get(2));
                }
            }
        }
    }

    /**
     * Where the template's DATE_FORMAT writes another value than the layer's partition format for
     * the same time, every row would land outside the partitions a backfill replaces: its guard
     * would fail the job at run time. Said before anything runs. Two spellings of one format agree.
     */
    static Optional<String> formatMismatch(PartitionSpec spec, String pattern) {
        java.time.format.DateTimeFormatter template;
        try {
            template = java.time.format.DateTimeFormatter.ofPattern(pattern, java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a pattern Java cannot read is Flink's to judge
        }
        java.time.LocalDateTime sample = java.time.LocalDateTime.of(2024, 11, 3, 21, 5, 9);
        String written;
        try {
            written = template.format(sample);
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
        String expected = spec.partitionOf(sample).value();
        if (written.equals(expected)) {
            return Optional.empty();
        }
        return Optional.of("fills its partition column " + spec.column() + " with DATE_FORMAT(..., '" + pattern
                + "'), which writes '" + written + "' where the layer's partition format '" + spec.pattern()
                + "' (granularity " + spec.granularity().name().toLowerCase(java.util.Locale.ROOT) + ") writes '"
                + expected + "' for " + sample.toString().replace('T', ' ')
                + ": make the template's pattern and the layer's partition format the same");
    }

    /**
     * Plans the layer's stream form on the session (no job runs) and checks it, unless the same SQL
     * with the same upstream list and layer tables passed before in this process.
     */
    public static void check(PipelineConf conf, LayerConf layer, FlinkSession session, Renderer renderer) {
        RenderedLayer plain = renderer.stream(layer);
        String key = String.join("\n", conf.warehouse().database(), layer.table(), layer.upstream().toString(),
                conf.layers().stream().map(LayerConf::table).toList().toString(), String.join(";\n", plain.setupStatements()),
                String.join(";\n", plain.inserts()));
        if (PASSED.contains(key)) {
            return;
        }
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, new Configuration());
        plain.setupStatements().forEach(tEnv::executeSql);
        check(conf, layer, tEnv, plain.inserts());
        if (PASSED.size() < 10_000) {
            PASSED.add(key);
        }
    }

    /** What passed already: a scheduler checks before every run, and planning takes a second. */
    private static final java.util.Set<String> PASSED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void checkTable(PipelineConf conf, LayerConf layer, String table) {
        Optional<LayerConf> writer = conf.layerWritingTable(table);
        if (writer.isPresent() && !table.equals(layer.table()) && !layer.upstream().contains(table)) {
            int index = conf.layers().indexOf(layer);
            throw WeirException.badInput(layer.template() + ": layer '" + layer.name() + "' reads " + table
                    + ", the table of layer '" + writer.get().name() + "', but layers[" + index + "].upstream "
                    + layer.upstream() + " does not list it. Add it: cascades, readiness and late data follow"
                    + " upstream, so the layer would be left stale when " + table + " changes");
        }
    }
}
