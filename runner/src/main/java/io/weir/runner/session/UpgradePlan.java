package io.weir.runner.session;

import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.cluster.JobIdentity;
import io.weir.runner.conf.LayerConf;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code weir stream --upgrade} does to one layer: stop the job running other SQL (if one
 * runs) with a savepoint, start the new SQL from that state if it fits, and otherwise start it
 * without state as {@link FreshStart} says.
 *
 * @param running the layer's job on the cluster, running other SQL
 * @param savedState the layer's newest savepoint or retained checkpoint, when no job runs
 */
public record UpgradePlan(LayerConf layer, JobIdentity identity, Optional<ClusterJob> running,
        Optional<String> savedState, FreshStart fresh) {

    /** The plan in words, one step a line, as {@code --dry-run} prints it. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(layer.name() + ": " + running.map(job -> "job " + job.id() + " runs sql:"
                + job.identity().orElseThrow().sqlHash()).orElse("stopped, with state at " + savedState.orElse("?"))
                + "; the template now renders sql:" + identity.sqlHash());
        int step = 1;
        if (running.isPresent()) {
            lines.add("  " + step++ + ". stop job " + running.get().id() + " with a savepoint");
        }
        lines.add("  " + step++ + ". start the new SQL from " + (running.isPresent() ? "that savepoint" : "that state")
                + " if its state fits (Flink decides when it restores)");
        lines.add("  " + step + ". otherwise, " + fresh.refusal().map(r -> "refuse: " + r).orElseGet(this::freshSteps));
        return lines;
    }

    private String freshSteps() {
        String prepare = fresh.preparation() == FreshStart.Preparation.REBUILD
                ? "rebuild " + fresh.describePartitions() + " in batch with the new SQL (ledger mode: upgrade)"
                : "empty " + fresh.describePartitions() + " (its table sums what it receives)";
        return prepare + ", then start it without state, reading its sources from their start"
                + (fresh.keptByBatch() > 0 ? "; " + fresh.keptByBatch() + " sealed partition(s) batch built stay as"
                        + " they are (restate them with weir backfill --force)" : "");
    }
}
