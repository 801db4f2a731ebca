package io.weir.backfill;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.PartitionRebuild;
import io.weir.runner.template.Renderer;

import java.util.List;

/**
 * An upgrade's batch rebuild: the layer's partitions overwritten with its new SQL before the new
 * job starts, recorded in the ledger as a run of mode {@code upgrade}.
 */
public final class UpgradeRebuild implements PartitionRebuild {

    public static final String MODE = "upgrade";

    private final PipelineConf conf;
    private final FlinkSession session;
    private final BackfillProgress progress;

    public UpgradeRebuild(PipelineConf conf, FlinkSession session, BackfillProgress progress) {
        this.conf = conf;
        this.session = session;
        this.progress = progress;
    }

    @Override
    public String rebuild(LayerConf layer, List<Partition> partitions) {
        try (Lake lake = new Lake(conf)) {
            Renderer renderer = new Renderer(conf);
            Ledger ledger = new Ledger(lake);
            BackfillPlan plan = new BackfillPlanner(conf, renderer, lake, ledger)
                    .ofPartitions(layer, partitions, BackfillRequest.DEFAULT_BATCH_SIZE, MODE);
            BackfillResult result = new BackfillRunner(conf, session, renderer, lake, ledger)
                    // The upgrade starts the sync jobs next, and settles what waits for them then.
                    .leavingServingPending().run(plan, 1, progress);
            if (result.partitionsFailed() > 0) {
                throw WeirException.jobFailed("the rebuild of " + layer.name() + " for its new SQL failed (run "
                        + plan.runId() + "): " + String.join("; ", result.failures()) + ". No job was started", null);
            }
            return plan.runId();
        } catch (WeirException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the rebuild of " + layer.name() + " failed: " + e.getMessage(), e);
        }
    }
}
