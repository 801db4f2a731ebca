package io.weir.runner.session;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.serving.ServingSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Settles, while {@code weir stream} runs, the serving partitions a backfill left pending because
 * their sync job was stopped or behind when it ended: once the job, running again, has read past
 * their overwrite, they are replaced again, without waiting for the next backfill or {@code weir sync}.
 */
public final class ResyncSweep implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResyncSweep.class);
    private static final ServingSync.SettleWait ONE_PASS =
            new ServingSync.SettleWait(Duration.ZERO, Duration.ZERO, Optional.empty(), () -> true);

    private final PipelineConf conf;
    private final List<String> tables;
    private final Duration interval;
    private final Clock clock;
    private final Consumer<String> say;
    private Instant next;
    private Lake lake;
    private ServingSync sync;

    /**
     * @param tables the served tables whose sync job this stream runs
     * @param say a line for the user when partitions are replaced again
     */
    public ResyncSweep(PipelineConf conf, List<String> tables, Clock clock, Consumer<String> say) {
        this.conf = conf;
        this.tables = List.copyOf(tables);
        this.interval = ServingSync.liveness(conf);
        this.clock = clock;
        this.say = say;
        this.next = clock.instant().plus(interval);
    }

    /** Settles what is ready, about once per {@link ServingSync#liveness}; a failure is logged and tried again later. */
    public void poll() {
        Instant now = clock.instant();
        if (tables.isEmpty() || now.isBefore(next)) {
            return;
        }
        next = now.plus(interval);
        try {
            if (sync == null) {
                lake = new Lake(conf);
                sync = new ServingSync(conf, lake);
            }
            for (String table : tables) {
                Map<String, Long> before = sync.pending(table);
                if (before.isEmpty()) {
                    continue;
                }
                Map<String, Long> left = sync.settle(table, ONE_PASS);
                List<String> replaced = before.keySet().stream().filter(p -> !left.containsKey(p)).toList();
                if (!replaced.isEmpty()) {
                    say.accept("Serving " + table + ": partitions " + replaced + " replaced again (the sync job read"
                            + " past their overwrite)");
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Serving: pending partitions not replaced again yet: {}", conf.secrets().mask(Failures.rootCause(e)));
        }
    }

    @Override
    public void close() {
        if (lake != null) {
            try {
                lake.close();
            } catch (Exception e) {
                LOG.debug("closing the lake", e);
            }
        }
    }
}
