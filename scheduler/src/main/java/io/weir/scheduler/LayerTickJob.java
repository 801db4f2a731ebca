package io.weir.scheduler;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job of one scheduled layer. Ticks of one layer never overlap: while a tick waits or
 * runs, later fire times collapse into one misfire that fires when it ends.
 */
@DisallowConcurrentExecution
public final class LayerTickJob implements Job {

    static final String LAYER = "layer";
    static final String TICKS = "weir.ticks";

    private static final Logger LOG = LoggerFactory.getLogger(LayerTickJob.class);

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        String layer = context.getMergedJobDataMap().getString(LAYER);
        LayerTicks ticks;
        try {
            ticks = (LayerTicks) context.getScheduler().getContext().get(TICKS);
        } catch (SchedulerException e) {
            throw new JobExecutionException(e);
        }
        try {
            ticks.tick(layer);
        } catch (RuntimeException e) {
            // The ledger holds the partition's state; the next tick finds it due again.
            LOG.error("tick of layer {} failed: {}", layer, e.toString(), e);
            ticks.tickFailed(layer, e.toString());
        }
    }
}
