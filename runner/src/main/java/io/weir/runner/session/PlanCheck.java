package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.LayerTemplate;
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
    public record Checked(java.util.Set<String> fenced, List<String> notes,
            Map<String, org.apache.flink.table.types.logical.RowType> declared) {}

    /**
     * Each layer's table as its template's DDL makes it, by layer name: the columns and types a
     * table made now would have, as Flink reads them back from Paimon.
     */
    public static Map<String, org.apache.flink.table.types.logical.RowType> declaredTables(PipelineConf conf) {
        return checked(conf, List.of(), false).declared();
    }

    /** As {@link #check}, with the notes a user should read before running the layers. */
    public static Checked checked(PipelineConf conf, List<LayerConf> layers) {
        return checked(conf, layers, true);
    }

    /**
     * What passed already, by everything planning reads: a scheduler checks before every run, and
     * planning every layer against a scratch warehouse takes about a second, most of a run's start.
     */
    private static final Map<String, Checked> PASSED = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param withNotes whether to plan what the notes need too (one more explain per unscheduled layer) */
    private static Checked checked(PipelineConf conf, List<LayerConf> layers, boolean withNotes) {
        String key = key(conf, layers, withNotes);
        Checked passed = PASSED.get(key);
        if (passed != null) {
            return passed;
        }
        Checked checked = planned(conf, layers, withNotes);
        if (PASSED.size() < 1_000) {
            PASSED.put(key, checked);
        }
        return checked;
    }

    /**
     * Every input of a check: each layer's conf and its stream form as rendered now (a template
     * edited since makes another key), the layers asked for, and whether notes were. Hashed, since
     * rendered sources can hold secrets.
     */
    private static String key(PipelineConf conf, List<LayerConf> layers, boolean withNotes) {
        Renderer renderer = new Renderer(conf);
        StringBuilder all = new StringBuilder(conf.warehouse().database()).append('\n').append(withNotes);
        for (LayerConf layer : conf.layers()) {
            RenderedLayer rendered = renderer.stream(layer);
            all.append('\n').append(layer).append('\n').append(rendered.targetDdl()).append('\n')
                    .append(String.join(";\n", rendered.setupStatements())).append('\n')
                    .append(String.join(";\n", rendered.inserts()));
        }
        layers.forEach(layer -> all.append("\nchecking ").append(layer.name()));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Checked planned(PipelineConf conf, List<LayerConf> layers, boolean withNotes) {
        java.util.Set<String> fenced = new java.util.TreeSet<>();
        List<String> notes = new java.util.ArrayList<>();
        Map<String, org.apache.flink.table.types.logical.RowType> declared = new java.util.HashMap<>();
        Path scratch = createScratch();
        try {
            PipelineConf scratchConf = conf.withWarehouse(
                    new WarehouseConf(scratch.toUri().toString(), conf.warehouse().database(), Map.of(),
                            conf.warehouse().ledgerDatabase()));
            Renderer renderer = new Renderer(scratchConf);
            TableEnvironment tables = environment();
            renderer.catalogStatements().forEach(tables::executeSql);
            for (LayerConf layer : scratchConf.layers()) {
                plan(conf, layer, List.of(renderer.stream(layer).targetDdl()), tables::executeSql);
                declared.put(layer.name(), (org.apache.flink.table.types.logical.RowType) tables
                        .from("`" + layer.table().replace("`", "``") + "`").getResolvedSchema()
                        .toPhysicalRowDataType().getLogicalType());
            }
            for (LayerConf layer : layers) {
                RenderedLayer rendered = renderer.stream(scratchConf.layer(layer.name()));
                TableEnvironment tEnv = environment();
                plan(conf, layer, rendered.setupStatements(), tEnv::executeSql);
                plan(conf, layer, rendered.inserts(), tEnv::explainSql);
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
        return new Checked(fenced, List.copyOf(notes), Map.copyOf(declared));
    }

    private static String lateRowsNote(LayerConf layer, String node) {
        return "note: layer '" + layer.name() + "': its stream's " + node + " drops rows that arrive behind the"
                + " watermark, so what the stream writes can miss late rows that a batch build counts. Give the"
                + " layer a schedule (each partition is then rebuilt in batch once it seals), or backfill what the"
                + " stream wrote; `weir verify --layer " + layer.name() + "` shows what it missed";
    }

    private static void plan(PipelineConf conf, LayerConf layer, List<String> statements,
            java.util.function.Consumer<String> planning) {
        for (String statement : statements) {
            try {
                planning.accept(statement);
            } catch (WeirException e) {
                throw e;
            } catch (RuntimeException e) {
                String where = position(layer, statement, e)
                        .map(pos -> layer.template() + ":" + pos.getLineNum() + ":" + pos.getColumnNum())
                        .orElse(layer.template().toString());
                throw doesNotPlan(where, layer, conf.secrets().mask(reason(e)));
            }
        }
    }

    private static java.util.Optional<org.apache.calcite.sql.parser.SqlParserPos> position(LayerConf layer, String statement,
            RuntimeException refusal) {
        try {
            return LayerTemplate.load(layer).positionOf(statement, refusal);
        } catch (RuntimeException e) {
            return java.util.Optional.empty(); // the template changed since it rendered: Flink's reason still stands
        }
    }

    /** The error for a layer Flink's planner refuses, in the template's name. */
    static WeirException doesNotPlan(LayerConf layer, String reason) {
        return doesNotPlan(layer.template().toString(), layer, reason);
    }

    private static WeirException doesNotPlan(String where, LayerConf layer, String reason) {
        return WeirException.badInput(where + ": layer '" + layer.name() + "' does not plan: " + reason);
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
        String[] lines = message.strip().split("\n");
        String firstLine = lines[0].replaceFirst("^From line \\d+, column \\d+ to line \\d+, column \\d+: ", "");
        // A connector's option check names the options on later lines: without them the reason says nothing.
        String options = listed(lines, "Missing required options are:", null);
        if (options.isEmpty()) {
            options = listed(lines, "Unsupported options:", "Supported options:");
        }
        return options.isEmpty() ? firstLine : firstLine.replaceFirst("\\.$", "") + ": " + options;
    }

    private static String listed(String[] lines, String heading, String nextHeading) {
        List<String> names = new java.util.ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.equals(heading)) {
                inside = true;
            } else if (inside && trimmed.equals(nextHeading)) {
                break;
            } else if (inside && !trimmed.isEmpty()) {
                names.add(trimmed);
            }
        }
        return String.join(", ", names);
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
