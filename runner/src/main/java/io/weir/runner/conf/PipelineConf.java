package io.weir.runner.conf;

import io.weir.runner.WeirException;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * A parsed, validated pipeline definition. Layers are in dependency order: every layer comes after
 * the layers it reads.
 */
public record PipelineConf(
        Path file,
        String name,
        LocalDate startDate,
        java.time.ZoneId timeZone,
        Path templatesDir,
        WarehouseConf warehouse,
        List<SourceConf> sources,
        FlinkConf flink,
        List<LayerConf> layers,
        SchedulerConf scheduler,
        Optional<ServingConf> serving,
        Secrets secrets,
        UiConf ui) {

    /**
     * An instant as event time: the wall clock of {@link #timeZone} then, read as UTC. Flink's
     * watermarks of {@code TIMESTAMP} columns, and partition bounds, are wall-clock times read so;
     * "now" must be too before it is compared with them, or a source west of UTC would close hours
     * that have not yet begun.
     */
    public java.time.Instant eventTime(java.time.Instant instant) {
        return java.time.LocalDateTime.ofInstant(instant, timeZone).toInstant(java.time.ZoneOffset.UTC);
    }

    /** The partition time (wall clock of {@link #timeZone}) at an instant. */
    public java.time.LocalDateTime eventDateTime(java.time.Instant instant) {
        return java.time.LocalDateTime.ofInstant(instant, timeZone);
    }

    public LayerConf layer(String layerName) {
        return layers.stream()
                .filter(l -> l.name().equals(layerName))
                .findFirst()
                .orElseThrow(() -> WeirException.badInput("unknown layer '" + layerName + "' in " + file
                        + " (layers: " + String.join(", ", layers.stream().map(LayerConf::name).toList()) + ")"));
    }

    public Optional<LayerConf> layerWritingTable(String table) {
        return layers.stream().filter(l -> l.table().equals(table)).findFirst();
    }

    /** Layers that read the given layer's table, directly or through other layers, in dependency order. */
    public List<LayerConf> downstreamOf(LayerConf layer) {
        java.util.Set<String> reached = new java.util.HashSet<>(List.of(layer.table()));
        java.util.List<LayerConf> result = new java.util.ArrayList<>();
        for (LayerConf candidate : layers) {
            if (candidate.upstream().stream().anyMatch(reached::contains)) {
                reached.add(candidate.table());
                result.add(candidate);
            }
        }
        return result;
    }

    /** The one source, when the conf has exactly one (the {@code source} section, say). */
    public Optional<SourceConf> source() {
        return sources.size() == 1 ? Optional.of(sources.get(0)) : Optional.empty();
    }

    /** The source Weir starts itself (the quickstart's MariaDB), if the conf has one. */
    public Optional<SourceConf> embeddedSource() {
        return sources.stream().filter(SourceConf::embedded).findFirst();
    }

    /** The same pipeline with the source of the same name replaced. */
    public PipelineConf withSource(SourceConf newSource) {
        List<SourceConf> replaced = new java.util.ArrayList<>(sources);
        replaced.replaceAll(s -> s.name().equals(newSource.name()) ? newSource : s);
        if (!replaced.contains(newSource)) {
            replaced.add(newSource);
        }
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, List.copyOf(replaced), flink,
                layers, scheduler, serving, secrets, ui);
    }

    public PipelineConf withFlink(FlinkConf newFlink) {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, sources, newFlink, layers, scheduler, serving, secrets, ui);
    }

    public PipelineConf withScheduler(SchedulerConf newScheduler) {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, sources, flink, layers, newScheduler,
                serving, secrets, ui);
    }

    public PipelineConf withServing(ServingConf newServing) {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, sources, flink, layers, scheduler,
                Optional.of(newServing), secrets, ui);
    }

    /** The same pipeline with nothing served (benchmarks of the lake alone). */
    public PipelineConf withoutServing() {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, sources, flink, layers, scheduler,
                Optional.empty(), secrets, ui);
    }

    /** The lake tables kept in the serving store. */
    public List<String> servedTables() {
        return serving.map(ServingConf::tables).orElse(List.of());
    }

    /** The served tables that these layers write: the ones whose sync jobs a stream of them runs. */
    public List<String> servedTablesOf(List<LayerConf> of) {
        return servedTables().stream().filter(t -> of.stream().anyMatch(l -> l.table().equals(t))).toList();
    }

    public PipelineConf withUi(UiConf newUi) {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, warehouse, sources, flink, layers, scheduler,
                serving, secrets, newUi);
    }

    public List<LayerConf> scheduledLayers() {
        return layers.stream().filter(LayerConf::scheduled).toList();
    }

    public PipelineConf withWarehouse(WarehouseConf newWarehouse) {
        return new PipelineConf(file, name, startDate, timeZone, templatesDir, newWarehouse, sources, flink, layers, scheduler, serving, secrets, ui);
    }
}
