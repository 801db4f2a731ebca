package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Plans layers' stream forms with Flink's planner, as a job would be planned, so a template that
 * names a column or table that does not exist is refused before anything runs. The plan is made
 * against a scratch warehouse in the temp dir that holds every layer's table as the templates
 * declare it: the real warehouse is never touched, and a layer whose upstream tables were never
 * created is checked all the same. Planning starts no cluster and connects to no source.
 */
public final class PlanCheck {

    private PlanCheck() {}

    /**
     * @return the names of the layers whose stream keeps out of sealed partitions ({@link StreamFence}),
     *     as {@code weir stream} decides it
     * @throws WeirException (bad input) naming the template and Flink's reason for the first layer that does not plan
     */
    public static java.util.Set<String> check(PipelineConf conf, List<LayerConf> layers) {
        return checked(conf, layers, false).fenced();
    }

    /**
     * What planning found beyond refusals.
     *
     * @param fenced the layers whose stream keeps out of sealed partitions
     * @param notes  one line per layer whose stream can drop late rows and that no schedule rebuilds
     */
    public record Checked(java.util.Set<String> fenced, List<String> notes) {}

    /** As {@link #check}, with the notes a user should read before running the layers. */
    public static Checked checked(PipelineConf conf, List<LayerConf> layers) {
        return checked(conf, layers, true);
    }

    /** @param withNotes whether to plan what the notes need too (one more explain per unscheduled layer) */
    private static Checked checked(PipelineConf conf, List<LayerConf> layers, boolean withNotes) {
        java.util.Set<String> fenced = new java.util.TreeSet<>();
        List<String> notes = new java.util.ArrayList<>();
        Path scratch = createScratch();
        try {
            PipelineConf scratchConf = conf.withWarehouse(
                    new WarehouseConf(scratch.toUri().toString(), conf.warehouse().database(), Map.of(),
                            conf.warehouse().ledgerDatabase()));
            Renderer renderer = new Renderer(scratchConf);
            TableEnvironment tables = environment();
            renderer.catalogStatements().forEach(tables::executeSql);
            for (LayerConf layer : scratchConf.layers()) {
                plan(conf, layer, () -> tables.executeSql(renderer.stream(layer).targetDdl()));
            }
            for (LayerConf layer : layers) {
                RenderedLayer rendered = renderer.stream(scratchConf.layer(layer.name()));
                TableEnvironment tEnv = environment();
                plan(conf, layer, () -> {
                    rendered.setupStatements().forEach(tEnv::executeSql);
                    rendered.inserts().forEach(tEnv::explainSql);
                });
                LayerPlanCheck.check(conf, layer, tEnv, rendered.inserts());
                if (StreamFence.applies(layer, tEnv, rendered)) {
                    fenced.add(layer.name());
                }
                if (withNotes && layer.schedule().isEmpty()) {
                    StatefulPlan.lateDropping(tEnv, rendered.inserts()).ifPresent(node -> notes.add(lateRowsNote(layer, node)));
                }
            }
        } finally {
            delete(scratch);
        }
        return new Checked(fenced, List.copyOf(notes));
    }

    private static String lateRowsNote(LayerConf layer, String node) {
        return "note: layer '" + layer.name() + "': its stream's " + node + " drops rows that arrive behind the"
                + " watermark, so what the stream writes can miss late rows that a batch build counts. Give the"
                + " layer a schedule (each partition is then rebuilt in batch once it seals), or backfill what the"
                + " stream wrote; `weir verify --layer " + layer.name() + "` shows what it missed";
    }

    private static void plan(PipelineConf conf, LayerConf layer, Runnable planning) {
        try {
            planning.run();
        } catch (WeirException e) {
            throw e;
        } catch (RuntimeException e) {
            throw doesNotPlan(layer, conf.secrets().mask(reason(e)));
        }
    }

    /** The error for a layer Flink's planner refuses, in the template's name. */
    static WeirException doesNotPlan(LayerConf layer, String reason) {
        return WeirException.badInput(layer.template() + ": layer '" + layer.name() + "' does not plan: " + reason);
    }

    /** Flink's own words, without its wrapper lines and Java class names. */
    public static String reason(Throwable error) {
        String message = null;
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        if (message == null) {
            return error.getClass().getSimpleName();
        }
        String firstLine = message.strip().split("\n")[0];
        return firstLine.replaceFirst("^From line \\d+, column \\d+ to line \\d+, column \\d+: ", "");
    }

    private static TableEnvironment environment() {
        return TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    }

    private static Path createScratch() {
        try {
            return Files.createTempDirectory("weir-plan-check");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover scratch dir in the temp dir harms nothing.
        }
    }
}
