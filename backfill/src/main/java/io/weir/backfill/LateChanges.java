package io.weir.backfill;

import io.weir.runner.WeirException;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * After a backfill, builds again the partitions of its batch-owned layers whose inputs took changes
 * after the build read them. A running stream wrote those changes into the input (a late change to
 * the day, or one that a cascade's first layer took while the layers below it were built), and the
 * layer's own stream keeps out of a sealed partition, so nothing but a rebuild brings them in; a
 * layer without a schedule would keep the old numbers for good. Only partitions whose inputs
 * changed are built, in dependency order, as a plain backfill skips the rest.
 */
public final class LateChanges {

    /** How often the changed partitions are built again before the backfill gives up on them. */
    public static final int PASSES = 3;

    private final BackfillPlanner planner;
    private final BackfillRunner runner;

    public LateChanges(BackfillPlanner planner, BackfillRunner runner) {
        this.planner = planner;
        this.runner = runner;
    }

    /**
     * @return the layers and partitions that still miss changes after {@link #PASSES} passes, or
     *         whose rebuild failed (empty: every partition the run built holds what its inputs hold)
     */
    public List<String> settle(BackfillPlan ran, BackfillResult result, int batchSize, int concurrency,
            boolean allowOpen, Supplier<BackfillProgress> progress, Consumer<String> say) {
        List<String> stale = List.of();
        for (int pass = 1; pass <= PASSES + 1; pass++) {
            List<String> changed = new ArrayList<>();
            for (LayerPlan layerPlan : ran.layers()) {
                String layer = layerPlan.layer().name();
                List<Partition> built = layerPlan.chunks().stream().flatMap(c -> c.partitions().stream())
                        .sorted(Comparator.comparing(Partition::start)).toList();
                if (!result.streamKeepsOut().contains(layer) || built.isEmpty()) {
                    continue;
                }
                BackfillPlan again;
                try {
                    again = planner.plan(new BackfillRequest(layer, new PartitionRange(built.get(0).start(),
                            built.get(built.size() - 1).end()), false, batchSize, concurrency, false, allowOpen));
                } catch (WeirException e) {
                    // What it built stands; only the check for later changes could not be made.
                    say.accept("note: could not look for changes that reached " + layer + "'s inputs during the run ("
                            + e.getMessage() + "); `weir status` lists partitions that need a rebuild");
                    continue;
                }
                List<String> values = again.layers().stream().flatMap(l -> l.chunks().stream())
                        .flatMap(c -> c.partitionValues().stream()).toList();
                if (values.isEmpty()) {
                    continue;
                }
                changed.add(layer + " " + String.join(", ", values));
                if (pass > PASSES) {
                    continue;
                }
                say.accept("Inputs of " + layer + " changed after the run read them: building " + values.size()
                        + " partition(s) again (run " + again.runId() + ")");
                BackfillResult rebuilt = runner.run(again, concurrency, progress.get());
                if (!rebuilt.succeeded()) {
                    rebuilt.failures().forEach(f -> say.accept("  failed: " + f));
                    return List.of(layer + ": run " + rebuilt.runId() + " failed (weir backfill --retry "
                            + rebuilt.runId() + ")");
                }
            }
            stale = changed;
            if (changed.isEmpty()) {
                break;
            }
        }
        return stale;
    }
}
