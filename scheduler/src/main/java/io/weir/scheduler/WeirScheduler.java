package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;

import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;

/**
 * {@code weir schedule}: a Quartz scheduler with one durable cron trigger per scheduled layer, kept
 * in Quartz's JDBC store. A restart keeps the stored triggers, so ticks missed while Weir was down
 * fire once at start (misfire: fire now), and the tick finds every partition missed since.
 */
public final class WeirScheduler implements AutoCloseable {

    private final PipelineConf conf;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WeirScheduler.class);

    private final Ledger ledger;
    private final LayerTicks ticks;
    private final QuartzStore store;
    private final Scheduler quartz;

    private final QuartzStore.StoreHold hold;
    /** Looks after the store's hold between ticks: a lost lock session is taken again or stops this scheduler. */
    private final java.util.concurrent.ScheduledExecutorService keeper =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "weir-scheduler-store");
                t.setDaemon(true);
                return t;
            });
    private volatile String lost;

    /** How often the hold of the store is looked after. */
    static final java.time.Duration KEEP_EVERY = java.time.Duration.ofSeconds(5);

    private WeirScheduler(PipelineConf conf, Ledger ledger, LayerTicks ticks, QuartzStore store, Scheduler quartz,
            QuartzStore.StoreHold hold) {
        this.conf = conf;
        this.ledger = ledger;
        this.ticks = ticks;
        this.store = store;
        this.quartz = quartz;
        this.hold = hold;
    }

    private static void closeQuietly(AutoCloseable hold) {
        try {
            hold.close();
        } catch (Exception e) {
            LOG.debug("releasing the scheduler store failed: {}", e.getMessage());
        }
    }

    /**
     * Opens the scheduler's store, making its tables if missing: refused at once, before any cluster
     * starts, when another scheduler holds it.
     */
    public static void openStore(PipelineConf conf) {
        new QuartzStore(conf).createTablesIfMissing();
    }

    /** Opens the store, registers the layers' triggers and starts firing them. */
    public static WeirScheduler start(PipelineConf conf, FlinkSession session, Lake lake, ScheduleEvents events) {
        return start(conf, session, lake, events, Clock.systemUTC());
    }

    /**
     * As {@link #start(PipelineConf, FlinkSession, Lake, ScheduleEvents)}, judging due partitions,
     * readiness and deadlines by the given clock (cron fire times stay on the system clock).
     */
    public static WeirScheduler start(PipelineConf conf, FlinkSession session, Lake lake, ScheduleEvents events,
            Clock clock) {
        List<LayerConf> layers = conf.scheduledLayers();
        if (layers.isEmpty()) {
            throw WeirException.badInput(conf.file() + ": no layer has a schedule (add schedule: { cron: ... } to"
                    + " the layers the scheduler should run)");
        }
        Ledger ledger = new Ledger(lake).open();
        LedgerState ledgerState = new LedgerState(ledger, conf.name());
        LayerTicks ticks = new LayerTicks(conf, session, lake, ledgerState, events, clock);
        ticks.checkUpstream(layers);
        QuartzStore store = new QuartzStore(conf);
        store.createTablesIfMissing();
        QuartzStore.StoreHold hold = store.hold();
        Scheduler quartz;
        try {
            quartz = new StdSchedulerFactory(store.quartzProperties(Math.max(2, layers.size()))).getScheduler();
        } catch (SchedulerException e) {
            closeQuietly(hold);
            throw WeirException.badInput("cannot start the scheduler on the " + store.describe() + ": "
                    + conf.secrets().mask(String.valueOf(e.getMessage())));
        }
        WeirScheduler scheduler = new WeirScheduler(conf, ledger, ticks, store, quartz, hold);
        try {
            scheduler.resolveInterruptedRuns();
            quartz.getContext().put(LayerTickJob.TICKS, ticks);
            scheduler.registerTriggers(layers);
            quartz.start();
            // An H2 file stays locked while its connection is open: only a PostgreSQL session can be lost.
            if (conf.scheduler().store() == io.weir.runner.conf.WeirOptions.SchedulerStore.POSTGRESQL) {
                scheduler.keeper.scheduleWithFixedDelay(scheduler::keepStore, KEEP_EVERY.toMillis(),
                        KEEP_EVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } catch (SchedulerException | RuntimeException e) {
            scheduler.close();
            if (e instanceof WeirException) {
                throw (WeirException) e;
            }
            throw new WeirException(WeirException.JOB_FAILURE, "cannot start the scheduler: " + e.getMessage(), e);
        }
        return scheduler;
    }

    private void keepStore() {
        try {
            switch (hold.keep()) {
                case HELD -> { }
                case TAKEN_AGAIN -> LOG.warn("The session holding the scheduler store {} ended; its lock is taken again",
                        store.describe());
                case UNREACHABLE -> LOG.warn("The scheduler store {} does not answer; its lock is taken again once it does",
                        store.describe());
                case LOST -> {
                    lost = "the session holding the scheduler store " + store.describe() + " ended, and another `weir"
                            + " schedule` of pipeline " + conf.name() + " took the store meanwhile: this one stopped"
                            + " firing, so that each tick fires once";
                    LOG.error(lost);
                    quartz.standby();
                    keeper.shutdown();
                }
            }
        } catch (RuntimeException | SchedulerException e) {
            LOG.warn("Looking after the scheduler store {} failed: {}", store.describe(), e.toString());
        }
    }

    /** Why this scheduler stopped firing by itself: another one took its store. Empty while it runs. */
    public Optional<String> stoppedBecause() {
        return Optional.ofNullable(lost);
    }

    /** Next fire time per scheduled layer. */
    public Map<String, Optional<Date>> nextTicks() {
        Map<String, Optional<Date>> next = new java.util.LinkedHashMap<>();
        for (LayerConf layer : conf.scheduledLayers()) {
            try {
                Trigger trigger = quartz.getTrigger(triggerKey(layer));
                next.put(layer.name(), Optional.ofNullable(trigger == null ? null : trigger.getNextFireTime()));
            } catch (SchedulerException e) {
                next.put(layer.name(), Optional.empty());
            }
        }
        return next;
    }

    /**
     * A run left RUNNING by a process that died (a scheduler, or a killed backfill) is recorded as
     * interrupted, which makes its partitions due: the next tick rebuilds them, and an overwrite is
     * idempotent.
     */
    private void resolveInterruptedRuns() {
        for (LedgerEntry e : ledger.resolveInterrupted(conf.name())) {
            LOG.warn("{} partition {}: run {} was interrupted; it will be built again", e.layer(), e.partition(), e.runId());
        }
    }

    private void registerTriggers(List<LayerConf> layers) throws SchedulerException {
        Set<JobKey> wanted = new java.util.HashSet<>();
        for (LayerConf layer : layers) {
            JobKey jobKey = jobKey(layer);
            wanted.add(jobKey);
            JobDetail job = JobBuilder.newJob(LayerTickJob.class)
                    .withIdentity(jobKey)
                    .usingJobData(LayerTickJob.LAYER, layer.name())
                    .storeDurably()
                    .requestRecovery()
                    .build();
            String cron = layer.schedule().orElseThrow().cron();
            Trigger stored = quartz.getTrigger(triggerKey(layer));
            if (stored instanceof CronTrigger cronTrigger && cron.equals(cronTrigger.getCronExpression())) {
                // Keep the stored trigger: its next fire time may lie in the past, which is how
                // ticks missed while Weir was down are caught up.
                quartz.addJob(job, true, true);
                continue;
            }
            CronTrigger trigger = TriggerBuilder.newTrigger()
                    .withIdentity(triggerKey(layer))
                    .forJob(jobKey)
                    .withSchedule(CronScheduleBuilder.cronSchedule(cron)
                            .inTimeZone(TimeZone.getTimeZone("UTC"))
                            .withMisfireHandlingInstructionFireAndProceed())
                    .build();
            quartz.addJob(job, true, true);
            if (stored == null) {
                quartz.scheduleJob(trigger);
                // A layer new to the store catches up now rather than at its first cron time.
                quartz.triggerJob(jobKey);
            } else {
                quartz.rescheduleJob(triggerKey(layer), trigger);
            }
        }
        for (JobKey existing : quartz.getJobKeys(GroupMatcher.jobGroupEquals(conf.name()))) {
            if (!wanted.contains(existing)) {
                quartz.deleteJob(existing);
            }
        }
    }

    private JobKey jobKey(LayerConf layer) {
        return JobKey.jobKey(layer.name(), conf.name());
    }

    private TriggerKey triggerKey(LayerConf layer) {
        return TriggerKey.triggerKey(layer.name(), conf.name());
    }

    /** Stops firing, wakes waiting ticks, and waits for jobs already submitted to end. */
    @Override
    public void close() {
        keeper.shutdownNow();
        try {
            ticks.stop();
            if (!quartz.isShutdown()) {
                quartz.shutdown(true);
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot stop the scheduler on the " + store.describe(), e);
        } finally {
            closeQuietly(hold);
        }
    }
}
