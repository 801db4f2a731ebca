package io.weir.runner.template;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;

import java.util.ArrayList;
import java.util.List;

/**
 * Exactly the SQL that runs for one layer: session setup (catalog), the target's DDL, temporary
 * helpers, and the INSERT statements that form one Flink job.
 */
public record RenderedLayer(
        LayerConf layer,
        RenderMode mode,
        List<Partition> partitions,
        List<String> catalogStatements,
        String targetDdl,
        List<String> temporaryObjects,
        List<String> inserts,
        java.util.Optional<Staging> staging) {

    /** Statements to execute one by one before the job: catalog, DDL, helpers. */
    public List<String> setupStatements() {
        List<String> setup = new ArrayList<>(catalogStatements);
        setup.add(targetDdl);
        setup.addAll(temporaryObjects);
        return setup;
    }

    /** The whole job as a script Flink's SQL client would run. */
    public String script() {
        StringBuilder out = new StringBuilder();
        out.append("-- layer ").append(layer.name()).append(", ").append(mode.name().toLowerCase());
        if (mode == RenderMode.BATCH && !partitions.isEmpty()) {
            out.append(", partitions ").append(partitions.get(0).value());
            if (partitions.size() > 1) {
                out.append("..").append(partitions.get(partitions.size() - 1).value())
                        .append(" (").append(partitions.size()).append(")");
            }
        }
        out.append("\n");
        staging.ifPresent(s -> {
            out.append("\n-- step 1: streaming job, a bounded snapshot of the source into a staging table\n");
            for (String statement : s.setupStatements(catalogStatements)) {
                out.append(statement).append(";\n\n");
            }
            out.append(s.insert()).append(";\n\n");
            out.append("-- step 2: batch job, overwrite the partitions from the staging table\n");
        });
        for (String statement : setupStatements()) {
            out.append(statement).append(";\n\n");
        }
        if (inserts.size() == 1) {
            out.append(inserts.get(0)).append(";\n");
        } else {
            out.append("EXECUTE STATEMENT SET\nBEGIN\n\n");
            for (String insert : inserts) {
                out.append(insert).append(";\n\n");
            }
            out.append("END;\n");
        }
        if (mode == RenderMode.BATCH && partitions.size() > 1) {
            out.append("\n-- then partitions of the range this produced no rows for are dropped (Paimon's dynamic\n"
                    + "-- overwrite leaves them untouched), so each partition of the range ends exactly rebuilt\n");
        }
        staging.ifPresent(s -> out.append("\n-- step 3: drop the staging table\n").append(s.dropTable()).append(";\n"));
        return out.toString();
    }
}
