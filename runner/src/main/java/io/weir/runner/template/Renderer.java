package io.weir.runner.template;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Granularity;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SourceConf;
import io.weir.runner.source.SourceRead;
import org.apache.calcite.sql.SqlNode;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.dml.RichSqlInsert;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    /** Scheduler ticks of several layers render at once. */
    private final Map<String, LayerTemplate> templates = new java.util.concurrent.ConcurrentHashMap<>();

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
        return stream(layer, false);
    }

    /** The names of the physical columns the template's CREATE TABLE declares for the layer's table, in order. */
    /** A column the template's target DDL declares, and where the file declares it. */
    public record DeclaredColumn(String name, int line, int column) {}

    public List<DeclaredColumn> declaredColumnPositions(LayerConf layer) {
        return template(layer).bind(parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay()))
                .targetColumns().stream().map(c -> new DeclaredColumn(c.getName().getSimple(),
                        c.getName().getParserPosition().getLineNum(), c.getName().getParserPosition().getColumnNum())).toList();
    }

    public List<String> declaredColumns(LayerConf layer) {
        return template(layer).bind(parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay()))
                .targetColumns().stream().map(c -> c.getName().getSimple()).toList();
    }

    /**
     * @param fenced drop the rows of partitions batch owns (see {@link io.weir.runner.lake.Seals});
     *               an unpartitioned layer has no partitions to seal and is never fenced
     */
    public RenderedLayer stream(LayerConf layer, boolean fenced) {
        TemplateStatements statements = template(layer).bind(
                parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay()));
        SingleSinkInsert rewriter = new SingleSinkInsert(statements);
        String insert = FlinkSql.unparse(SingleSinkInsert.withHeartbeat(fenced && layer.partitioned()
                ? rewriter.insertIntoFenced(layer.partition().get(),
                        List.of(CATALOG, conf.warehouse().ledgerDatabase(), io.weir.runner.lake.Seals.NAME),
                        io.weir.runner.lake.Seals.key(conf.warehouse().database(), layer.table()))
                : rewriter.insertInto()));
        return rendered(layer, RenderMode.STREAM, List.of(), statements, List.of(insert), false);
    }

    /** INSERT OVERWRITE of every partition within the days [from, to], as one job. */
    public RenderedLayer batch(LayerConf layer, LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            throw WeirException.badInput("start " + from + " is after end " + to);
        }
        return batch(layer, PartitionRange.ofDays(from, to));
    }

    /** INSERT OVERWRITE of every partition the range names, as one job. */
    public RenderedLayer batch(LayerConf layer, PartitionRange range) {
        if (layer.partition().isEmpty()) {
            return batch(layer, List.of(), parameters(layer, range.from(), range.until()));
        }
        return batch(layer, layer.partition().get().partitions(range));
    }

    /** INSERT OVERWRITE of exactly these consecutive partitions, as one job. */
    public RenderedLayer batch(LayerConf layer, List<Partition> partitions) {
        return batch(layer, partitions, "");
    }

    /**
     * @param runToken distinguishes the staging table of concurrent runs over the same partitions
     */
    public RenderedLayer batch(LayerConf layer, List<Partition> partitions, String runToken) {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("no partitions");
        }
        return batch(layer, partitions, parameters(layer, partitions.get(0).start(),
                partitions.get(partitions.size() - 1).end()), runToken);
    }

    private RenderedLayer batch(LayerConf layer, List<Partition> partitions, Map<TemplateParameter, String> parameters) {
        return batch(layer, partitions, parameters, "");
    }

    private RenderedLayer batch(LayerConf layer, List<Partition> partitions, Map<TemplateParameter, String> parameters,
            String runToken) {
        TemplateStatements statements = template(layer).bind(parameters);
        if (stagesBoundedReads(layer, statements)) {
            return staged(layer, partitions, statements, runToken);
        }
        List<String> inserts = List.of(overwrite(layer, partitions, new SingleSinkInsert(statements)));
        return rendered(layer, RenderMode.BATCH, partitions, statements, inserts, true);
    }

    /** One partition: a static overwrite; a range: one dynamic overwrite of the range. */
    private static String overwrite(LayerConf layer, List<Partition> partitions, SingleSinkInsert rewriter) {
        if (layer.partition().isEmpty()) {
            return FlinkSql.unparse(rewriter.overwriteTable());
        }
        if (partitions.size() == 1) {
            return FlinkSql.unparse(rewriter.overwritePartition(layer.partition().get(), partitions.get(0)));
        }
        return FlinkSql.unparse(rewriter.overwriteRange(layer.partition().get(), partitions.get(0),
                partitions.get(partitions.size() - 1)));
    }

    /**
     * A batch run of a layer that reads a CDC source: Flink reads a bounded snapshot only in a
     * streaming job, and streaming jobs cannot INSERT OVERWRITE. So a streaming job copies the range
     * into a staging table, and the batch job overwrites the partitions from it.
     */
    private RenderedLayer staged(LayerConf layer, List<Partition> partitions, TemplateStatements statements,
            String runToken) {
        // Letters and digits of the partition values only: a format may hold '-', ' ' or ':', which a
        // Hive Metastore refuses in a table name.
        String name = "stg_" + layer.table() + "_" + (partitions.isEmpty() ? "all"
                : alphanumeric(partitions.get(0).value()) + "_" + alphanumeric(partitions.get(partitions.size() - 1).value()))
                + (runToken.isEmpty() ? "" : "_" + runToken);
        String ledgerDatabase = conf.warehouse().ledgerDatabase();
        String staging = CATALOG + ".`" + ledgerDatabase + "`.`" + name + "`";
        String target = CATALOG + ".`" + conf.warehouse().database() + "`." + layer.table();
        SqlNode stagingId = new org.apache.calcite.sql.SqlIdentifier(
                List.of(CATALOG, ledgerDatabase, name), org.apache.calcite.sql.parser.SqlParserPos.ZERO);
        String stagingInsert = FlinkSql.unparse(new SingleSinkInsert(statements).insertInto(stagingId, true));
        RenderedLayer snapshotJob = rendered(layer, RenderMode.BATCH, partitions, statements, List.of(), true);

        RichSqlInsert fromStaging = (RichSqlInsert) FlinkSql.parseStatements(
                "INSERT INTO " + layer.table() + " SELECT * FROM " + staging, layer.template()).get(0);
        List<String> inserts = List.of(overwrite(layer, partitions,
                new SingleSinkInsert(statements.withInserts(List.of(fromStaging)))));
        Staging step = new Staging(staging, List.of(
                "CREATE DATABASE IF NOT EXISTS " + CATALOG + ".`" + ledgerDatabase + "`",
                "CREATE TABLE IF NOT EXISTS " + staging + " WITH ('bucket' = '1') LIKE " + target
                        + " (EXCLUDING OPTIONS EXCLUDING WATERMARKS)"),
                snapshotJob.temporaryObjects(), stagingInsert, "DROP TABLE IF EXISTS " + staging);
        return new RenderedLayer(layer, RenderMode.BATCH, partitions, catalogStatements(),
                FlinkSql.unparse(statements.targetDdl()), List.of(), inserts, java.util.Optional.of(step));
    }

    private static String alphanumeric(String partitionValue) {
        return partitionValue.replaceAll("[^A-Za-z0-9]", "");
    }

    /** Whether the layer's template reads a source table (MySQL, Kafka, ...) and not only the lake. */
    public boolean readsSourceTables(LayerConf layer) {
        TemplateStatements statements = template(layer).bind(
                parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay()));
        return statements.temporaryObjects().stream().anyMatch(SourceTables::isSourceTable);
    }

    /** Whether a bounded read of the layer's sources goes through a staging table (CDC, Kafka: yes). */
    private boolean stagesBoundedReads(LayerConf layer, TemplateStatements statements) {
        return statements.temporaryObjects().stream().filter(SourceTables::isSourceTable)
                .anyMatch(node -> sourceFor(layer, (SqlCreateTable) node).kind().stagesBoundedReads());
    }

    private RenderedLayer rendered(LayerConf layer, RenderMode mode, List<Partition> partitions,
            TemplateStatements statements, List<String> inserts, boolean bounded) {
        return rendered(layer, mode, partitions, statements, inserts, bounded, false);
    }

    private RenderedLayer rendered(LayerConf layer, RenderMode mode, List<Partition> partitions,
            TemplateStatements statements, List<String> inserts, boolean bounded, boolean checkReads) {
        List<String> temporary = new ArrayList<>();
        int sourceTable = 0;
        Optional<SourceRead.Span> span = bounded ? Optional.of(span(partitions)) : Optional.empty();
        for (SqlNode node : statements.temporaryObjects()) {
            if (SourceTables.isSourceTable(node)) {
                SqlCreateTable table = (SqlCreateTable) node;
                SourceConf source = sourceFor(layer, table);
                int slot = conf.layers().indexOf(layer) * SLOTS_PER_LAYER + sourceTable++
                        + (bounded ? BATCH_SERVER_ID_SLOTS : 0);
                SourceRead read = new SourceRead(table.getTableName().toString(), SourceTables.connector(table),
                        conf.flink().parallelism(), slot, span,
                        table.getColumnList().getList().stream()
                                .filter(c -> c instanceof org.apache.flink.sql.parser.ddl.SqlTableColumn.SqlRegularColumn)
                                .map(c -> ((org.apache.flink.sql.parser.ddl.SqlTableColumn) c).getName().getSimple()).toList());
                Map<String, String> options = new SourceTables(source).complete(table, read);
                if (checkReads) {
                    try {
                        source.kind().checkRead(source, options, read);
                    } catch (WeirException e) {
                        throw WeirException.badInput(layer.template() + ": " + conf.secrets().mask(e.getMessage()));
                    }
                }
            }
            temporary.add(FlinkSql.unparse(node));
        }
        return new RenderedLayer(layer, mode, partitions, catalogStatements(),
                FlinkSql.unparse(statements.targetDdl()), temporary, inserts, java.util.Optional.empty());
    }

    /**
     * Checks that the layer's stream can read its sources as rendered (a Kafka topic that does not
     * exist would otherwise be waited on silently). Fails with exit 2 naming the template.
     */
    public void checkStreamSources(LayerConf layer) {
        TemplateStatements statements = template(layer).bind(
                parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay()));
        rendered(layer, RenderMode.STREAM, List.of(), statements, List.of(), false, true);
    }

    /**
     * Checks that a backfill can read the layer's sources for these partitions (a Kafka topic whose
     * retention already deleted part of the range would give a partial rebuild). Fails with exit 2
     * naming the template; a layer without source tables passes.
     */
    public void checkBoundedSources(LayerConf layer, List<Partition> partitions) {
        TemplateStatements statements = template(layer).bind(partitions.isEmpty()
                ? parameters(layer, conf.startDate().atStartOfDay(), END_OF_TIME.plusDays(1).atStartOfDay())
                : parameters(layer, partitions.get(0).start(), partitions.get(partitions.size() - 1).end()));
        rendered(layer, RenderMode.BATCH, partitions, statements, List.of(), true, true);
    }

    /** The time the partitions cover; an unpartitioned table's read covers all time. */
    private static SourceRead.Span span(List<Partition> partitions) {
        if (partitions.isEmpty()) {
            return new SourceRead.Span(java.time.Instant.EPOCH, java.time.Instant.now());
        }
        return new SourceRead.Span(partitions.get(0).start().toInstant(java.time.ZoneOffset.UTC),
                partitions.get(partitions.size() - 1).end().toInstant(java.time.ZoneOffset.UTC));
    }

    /**
     * The source that completes a template table: the one named by its {@code 'weir.source'} option,
     * or else the one source whose kind reads the table's connector.
     */
    private SourceConf sourceFor(LayerConf layer, SqlCreateTable table) {
        String connector = SourceTables.connector(table);
        String tableName = table.getTableName().toString();
        Optional<String> named = SourceTables.namedSource(table);
        if (named.isPresent()) {
            SourceConf source = conf.sources().stream().filter(s -> s.name().equals(named.get())).findFirst()
                    .orElseThrow(() -> WeirException.badInput(layer.template() + ": table " + tableName + " names source '"
                            + named.get() + "', which " + conf.file() + " does not declare (sources: "
                            + String.join(", ", conf.sources().stream().map(SourceConf::name).toList()) + ")"));
            if (!source.kind().connectors().contains(connector)) {
                throw WeirException.badInput(layer.template() + ": table " + tableName + " uses '" + connector
                        + "' but source '" + source.name() + "' is of type '" + source.type() + "', which reads '"
                        + String.join("' or '", new java.util.TreeSet<>(source.kind().connectors())) + "' tables");
            }
            return source;
        }
        List<SourceConf> candidates = conf.sources().stream().filter(s -> s.kind().connectors().contains(connector)).toList();
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.isEmpty()) {
            throw WeirException.badInput(layer.template() + ": table " + tableName + " uses '" + connector + "' but "
                    + conf.file() + (conf.sources().isEmpty() ? " has no source section"
                    : " has no source of a type that reads it (sources: " + String.join(", ", conf.sources().stream()
                            .map(s -> s.name() + " (" + s.type() + ")").toList()) + ")"));
        }
        throw WeirException.badInput(layer.template() + ": table " + tableName + " uses '" + connector + "', which "
                + "sources " + String.join(", ", candidates.stream().map(SourceConf::name).toList())
                + " all read: name one with 'weir.source' = '<name>' in the table's WITH");
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

    /** Parameters of the half-open span [start, end) of whole partitions. */
    private static Map<TemplateParameter, String> parameters(LayerConf layer, LocalDateTime start, LocalDateTime end) {
        PartitionSpec spec = layer.partition().orElse(UNPARTITIONED_FORMAT);
        LocalDateTime lastPartition = spec.granularity() == Granularity.HOUR ? end.minusHours(1) : end.minusDays(1);
        Map<TemplateParameter, String> values = new EnumMap<>(TemplateParameter.class);
        values.put(TemplateParameter.START_DATE, spec.format(start));
        values.put(TemplateParameter.END_DATE, spec.format(lastPartition));
        values.put(TemplateParameter.START_TIME, TIME.format(start));
        values.put(TemplateParameter.END_TIME, TIME.format(end));
        return values;
    }
}
