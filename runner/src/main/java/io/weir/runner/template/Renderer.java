package io.weir.runner.template;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Granularity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SourceConf;
import org.apache.calcite.sql.SqlNode;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a layer's template for stream mode (INSERT INTO over the whole range) or batch mode
 * (INSERT OVERWRITE of exactly the partitions of a date range).
 */
public final class Renderer {

    /** Stream mode has no end; this stands for it in the range parameters. */
    public static final LocalDate END_OF_TIME = LocalDate.of(9999, 12, 30);
    /** Batch jobs read MySQL with their own server ids, clear of the streaming readers'. */
    private static final int BATCH_SERVER_ID_SLOTS = 500;
    private static final int SLOTS_PER_LAYER = 10;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final PartitionSpec UNPARTITIONED_FORMAT = new PartitionSpec("", "yyyyMMdd", Granularity.DAY);

    private final PipelineConf conf;
    private final Map<String, LayerTemplate> templates = new HashMap<>();

    public Renderer(PipelineConf conf) {
        this.conf = conf;
    }

    public LayerTemplate template(LayerConf layer) {
        return templates.computeIfAbsent(layer.name(), n -> LayerTemplate.load(layer));
    }

    /** Parses and checks every layer's template; the first problem is thrown. */
    public void checkAll() {
        conf.layers().forEach(this::template);
    }

    public RenderedLayer stream(LayerConf layer) {
        TemplateStatements statements = template(layer).bind(parameters(layer, conf.startDate(), END_OF_TIME));
        String insert = FlinkSql.unparse(new SingleSinkInsert(statements).insertInto());
        return rendered(layer, RenderMode.STREAM, List.of(), statements, List.of(insert), false);
    }

    /** INSERT OVERWRITE of every partition within the days [from, to], as one job. */
    public RenderedLayer batch(LayerConf layer, LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            throw WeirException.badInput("start " + from + " is after end " + to);
        }
        TemplateStatements statements = template(layer).bind(parameters(layer, from, to));
        SingleSinkInsert rewriter = new SingleSinkInsert(statements);
        List<String> inserts = new ArrayList<>();
        List<Partition> partitions = layer.partition().map(spec -> spec.partitions(from, to)).orElse(List.of());
        if (layer.partition().isPresent()) {
            for (Partition partition : partitions) {
                inserts.add(FlinkSql.unparse(rewriter.overwritePartition(layer.partition().get(), partition)));
            }
        } else {
            inserts.add(FlinkSql.unparse(rewriter.overwriteTable()));
        }
        return rendered(layer, RenderMode.BATCH, partitions, statements, inserts, true);
    }

    public RenderedLayer render(LayerConf layer, RenderMode mode, LocalDate from, LocalDate to) {
        return mode == RenderMode.STREAM ? stream(layer) : batch(layer, from, to);
    }

    private RenderedLayer rendered(LayerConf layer, RenderMode mode, List<Partition> partitions,
            TemplateStatements statements, List<String> inserts, boolean bounded) {
        List<String> temporary = new ArrayList<>();
        int cdcTable = 0;
        for (SqlNode node : statements.temporaryObjects()) {
            if (SourceTables.isCdcTable(node)) {
                SourceConf source = conf.source().orElseThrow(() -> WeirException.badInput(layer.template()
                        + ": table uses 'mysql-cdc' but " + conf.file() + " has no source section"));
                int slot = conf.layers().indexOf(layer) * SLOTS_PER_LAYER + cdcTable++
                        + (bounded ? BATCH_SERVER_ID_SLOTS : 0);
                new SourceTables(source, conf.flink().parallelism(), bounded).complete((SqlCreateTable) node, slot);
            }
            temporary.add(FlinkSql.unparse(node));
        }
        return new RenderedLayer(layer, mode, partitions, catalogStatements(),
                FlinkSql.unparse(statements.targetDdl()), temporary, inserts);
    }

    /** Registers the Paimon warehouse as the session's current catalog and database. */
    public List<String> catalogStatements() {
        StringBuilder options = new StringBuilder("'type' = 'paimon', 'warehouse' = ")
                .append(FlinkSql.literal(conf.warehouse().uri()));
        conf.warehouse().options().forEach((k, v) ->
                options.append(", ").append(FlinkSql.literal(k)).append(" = ").append(FlinkSql.literal(v)));
        String database = "`" + conf.warehouse().database().replace("`", "``") + "`";
        return List.of(
                "CREATE CATALOG " + CATALOG + " WITH (" + options + ")",
                "USE CATALOG " + CATALOG,
                "CREATE DATABASE IF NOT EXISTS " + database,
                "USE " + database);
    }

    public static final String CATALOG = "weir_lake";

    private static Map<TemplateParameter, String> parameters(LayerConf layer, LocalDate from, LocalDate to) {
        PartitionSpec spec = layer.partition().orElse(UNPARTITIONED_FORMAT);
        LocalDateTime start = from.atStartOfDay();
        LocalDateTime end = to.plusDays(1).atStartOfDay();
        LocalDateTime lastPartition = spec.granularity() == Granularity.HOUR ? end.minusHours(1) : to.atStartOfDay();
        Map<TemplateParameter, String> values = new EnumMap<>(TemplateParameter.class);
        values.put(TemplateParameter.START_DATE, spec.format(start));
        values.put(TemplateParameter.END_DATE, spec.format(lastPartition));
        values.put(TemplateParameter.START_TIME, TIME.format(start));
        values.put(TemplateParameter.END_TIME, TIME.format(end));
        return values;
    }
}
