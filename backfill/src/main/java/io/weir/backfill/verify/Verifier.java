package io.weir.backfill.verify;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.Failures;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.JobConfigs;
import io.weir.runner.template.FlinkSql;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import io.weir.runner.template.Staging;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.table.FileStoreTable;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code weir verify}: recomputes a layer's batch form for some partitions into a scratch table in
 * Weir's own database, never touching the layer's table, and compares each partition of the layer's
 * table with it row by row. The scratch table is dropped afterwards, whatever happened.
 */
public final class Verifier {

    private final PipelineConf conf;
    private final FlinkSession session;
    private final Renderer renderer;
    private final Lake lake;

    public Verifier(PipelineConf conf, FlinkSession session, Renderer renderer, Lake lake) {
        this.conf = conf;
        this.session = session;
        this.renderer = renderer;
        this.lake = lake;
    }

    /**
     * The layer and every layer it reads, directly or through others, each over the span that the
     * range's partitions read, upstream first. A layer equals a recomputation from a stale input, so
     * only its inputs' own checks show that the input is stale. Each layer is recomputed in whole
     * partitions, so its span is widened to them before it is passed on, and again by its lookback.
     * An unpartitioned layer is recomputed whole, but its inputs are checked over the range only.
     */
    public static Map<LayerConf, PartitionRange> withUpstream(PipelineConf conf, LayerConf layer, PartitionRange range) {
        Map<String, PartitionRange> spans = new java.util.HashMap<>(Map.of(layer.name(), range));
        List<LayerConf> ordered = conf.layers(); // dependency order: a layer after every layer it reads
        for (int i = ordered.size() - 1; i >= 0; i--) {
            LayerConf reader = ordered.get(i);
            PartitionRange span = spans.get(reader.name());
            if (span == null) {
                continue;
            }
            PartitionRange built = reader.partition().map(spec -> new PartitionRange(spec.partitionOf(span.from()).start(),
                    spec.partitionOf(span.until().minusNanos(1)).end())).orElse(span);
            spans.put(reader.name(), built);
            PartitionRange reads = new PartitionRange(built.from().minus(reader.lookback()), built.until());
            for (String table : reader.upstream()) {
                conf.layerWritingTable(table).ifPresent(written -> spans.merge(written.name(), reads, Verifier::union));
            }
        }
        Map<LayerConf, PartitionRange> chain = new java.util.LinkedHashMap<>();
        for (LayerConf each : ordered) {
            PartitionRange span = spans.get(each.name());
            if (span == null) {
                continue;
            }
            try {
                chain.put(each, each.name().equals(layer.name()) ? range : span.requireBounded(each));
            } catch (io.weir.runner.WeirException e) {
                throw io.weir.runner.WeirException.badInput("--upstream: " + layer.name() + " reads " + each.name()
                        + " over " + span + ": " + e.getMessage());
            }
        }
        return chain;
    }

    private static PartitionRange union(PartitionRange a, PartitionRange b) {
        return new PartitionRange(a.from().isBefore(b.from()) ? a.from() : b.from(),
                a.until().isAfter(b.until()) ? a.until() : b.until());
    }

    /**
     * Verifies every layer the layer reads ({@link #withUpstream}), upstream first.
     *
     * @return each input layer's comparison by name, in dependency order; the layer's own is not among them
     */
    public Map<String, List<RowDiff.PartitionDiff>> verifyInputs(LayerConf layer, PartitionRange range) {
        Map<String, List<RowDiff.PartitionDiff>> inputs = new java.util.LinkedHashMap<>();
        withUpstream(conf, layer, range).forEach((input, read) -> {
            if (!input.name().equals(layer.name())) {
                inputs.put(input.name(), verify(input, read));
            }
        });
        return inputs;
    }

    /**
     * What to tell a user whose layer was built from an input that differs from its own recomputation,
     * since an equal result then proves only that the layer matches its stale input.
     */
    public static java.util.Optional<String> staleInputNote(String layer, Map<String, List<RowDiff.PartitionDiff>> inputs,
            List<RowDiff.PartitionDiff> result) {
        return inputs.entrySet().stream()
                .filter(input -> !input.getValue().stream().allMatch(RowDiff.PartitionDiff::same)).findFirst()
                .map(stale -> {
                    List<String> differing = stale.getValue().stream().filter(d -> !d.same())
                            .map(RowDiff.PartitionDiff::partition).filter(p -> !p.isEmpty()).sorted().toList();
                    String over = differing.isEmpty() ? "" : " --from " + differing.get(0) + " --to "
                            + differing.get(differing.size() - 1);
                    return "note: " + stale.getKey() + " differs from its own recomputation, so what " + layer
                            + " was built from is stale" + (result.stream().allMatch(RowDiff.PartitionDiff::same)
                                    ? " (its equal result proves only that it matches those inputs)" : "")
                            + ": `weir backfill --layer " + stale.getKey() + over + " --cascade` rebuilds it and"
                            + " everything it feeds";
                });
    }

    public List<RowDiff.PartitionDiff> verify(LayerConf layer, LocalDate from, LocalDate to) {
        return verify(layer, PartitionRange.ofDays(from, to));
    }

    public List<RowDiff.PartitionDiff> verify(LayerConf layer, PartitionRange range) {
        List<Partition> partitions = layer.partition().map(spec -> spec.partitions(range)).orElse(List.of());
        List<String> values = partitions.stream().map(Partition::value).toList();
        String token = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        RenderedLayer rendered = partitions.isEmpty() ? renderer.batch(layer, range)
                : renderer.batch(layer, partitions, "verify_" + token);
        String scratchName = "verify_" + layer.table() + "_" + token;
        List<String> scratch = List.of(Renderer.CATALOG, lake.ledgerDatabase(), scratchName);
        Identifier scratchId = Identifier.create(lake.ledgerDatabase(), scratchName);
        try {
            recompute(layer, rendered, scratch);
            FileStoreTable expectedTable = (FileStoreTable) lake.catalog().getTable(scratchId);
            FileStoreTable actualTable = lake.table(layer.table());
            List<String> key = actualTable.primaryKeys();
            List<String> columns = actualTable.rowType().getFieldNames();
            Map<String, List<Map<String, Object>>> expected = byPartition(Lake.rowsOfPartitions(expectedTable, values), layer);
            Map<String, List<Map<String, Object>>> actual = byPartition(lake.rowsOfPartitions(layer.table(), values), layer);
            List<RowDiff.PartitionDiff> diffs = new ArrayList<>();
            for (String partition : values.isEmpty() ? List.of("") : values) {
                diffs.add(RowDiff.of(partition, expected.getOrDefault(partition, List.of()),
                        actual.getOrDefault(partition, List.of()), key, columns));
            }
            return diffs;
        } catch (Catalog.TableNotExistException e) {
            throw new IllegalStateException("the recomputation wrote no table " + scratchId, e);
        } finally {
            try {
                lake.catalog().dropTable(scratchId, true);
            } catch (Catalog.TableNotExistException e) {
                // already gone
            }
        }
    }

    /** The serving table's partitions against the lake's (the lake is what serving must equal). */
    public List<RowDiff.PartitionDiff> verifyServing(LayerConf layer, LocalDate from, LocalDate to) {
        return verifyServing(layer, PartitionRange.ofDays(from, to));
    }

    public List<RowDiff.PartitionDiff> verifyServing(LayerConf layer, PartitionRange range) {
        io.weir.runner.serving.ServingStore store = conf.serving().orElseThrow().store(conf.secrets());
        FileStoreTable table = lake.table(layer.table());
        List<String> values = layer.partition().map(spec -> spec.partitions(range).stream()
                .map(Partition::value).toList()).orElse(List.of());
        String column = layer.partition().map(p -> p.column()).orElse(null);
        Map<String, List<Map<String, Object>>> lakeRows = byPartition(lake.rowsOfPartitions(layer.table(), values), layer);
        Map<String, List<Map<String, Object>>> served = byPartition(store.rowsOfPartitions(layer.table(), column, values), layer);
        List<RowDiff.PartitionDiff> diffs = new ArrayList<>();
        for (String value : values.isEmpty() ? List.of("") : values) {
            diffs.add(RowDiff.of(value, lakeRows.getOrDefault(value, List.of()), served.getOrDefault(value, List.of()),
                    table.primaryKeys(), table.rowType().getFieldNames()));
        }
        return diffs;
    }

    /** The layer's batch form, written into the scratch table (after staging a CDC source). */
    private void recompute(LayerConf layer, RenderedLayer rendered, List<String> scratch) {
        String target = Renderer.CATALOG + ".`" + conf.warehouse().database().replace("`", "``") + "`.`"
                + layer.table() + "`";
        String scratchName = String.join(".", scratch.stream().map(n -> "`" + n + "`").toList());
        StringBuilder options = new StringBuilder();
        lake.table(layer.table()).options().forEach((k, v) -> {
            if (!k.equals("path") && !k.startsWith("changelog-producer")) {
                options.append(options.length() == 0 ? "" : ", ").append(FlinkSql.literal(k)).append(" = ")
                        .append(FlinkSql.literal(v));
            }
        });
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH,
                JobConfigs.batch(conf, "verify " + layer.name()));
        try {
            rendered.staging().ifPresent(staging -> stage(rendered, staging));
            rendered.catalogStatements().forEach(tEnv::executeSql);
            tEnv.executeSql("CREATE DATABASE IF NOT EXISTS " + Renderer.CATALOG + ".`" + lake.ledgerDatabase() + "`");
            tEnv.executeSql("CREATE TABLE " + scratchName + " WITH (" + options + ") LIKE " + target
                    + " (EXCLUDING OPTIONS EXCLUDING WATERMARKS)");
            RenderedLayer into = rendered.retargeted(scratch);
            into.setupStatements().subList(rendered.catalogStatements().size(), into.setupStatements().size())
                    .forEach(tEnv::executeSql);
            StatementSet statements = tEnv.createStatementSet();
            into.inserts().forEach(statements::addInsertSql);
            statements.execute().await();
        } catch (Exception e) {
            throw new IllegalStateException("the recomputation of " + layer.name() + " failed: "
                    + conf.secrets().mask(Failures.rootCause(e)), e);
        } finally {
            rendered.staging().ifPresent(staging -> tEnv.executeSql(staging.dropTable()));
        }
    }

    private void stage(RenderedLayer rendered, Staging staging) {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING,
                JobConfigs.boundedStream(conf, "verify snapshot " + rendered.layer().name()));
        staging.setupStatements(rendered.catalogStatements()).forEach(tEnv::executeSql);
        try {
            tEnv.executeSql(staging.insert()).await();
        } catch (Exception e) {
            throw new IllegalStateException("snapshot of the source failed: " + Failures.rootCause(e), e);
        }
    }

    private static Map<String, List<Map<String, Object>>> byPartition(List<Map<String, Object>> rows, LayerConf layer) {
        Map<String, List<Map<String, Object>>> result = new TreeMap<>();
        String column = layer.partition().map(p -> p.column()).orElse(null);
        for (Map<String, Object> row : rows) {
            result.computeIfAbsent(column == null ? "" : String.valueOf(row.get(column)), k -> new ArrayList<>()).add(row);
        }
        return result;
    }
}
