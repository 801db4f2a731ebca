package io.weir.cli;

import io.weir.backfill.LedgerEntry;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import io.weir.runner.health.Endpoint;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.scheduler.PartitionGrid;
import io.weir.scheduler.StatusCollector;
import io.weir.scheduler.StatusReport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline's status as {@code weir status} and {@code weir ui} show it: what the lake and the
 * ledger say, plus the streaming jobs on the cluster and whether the source and serving store
 * answer. The last two are asked over the network, so {@link #probe()} is separate: status probes
 * once, the page's server in the background.
 */
public final class PipelineStatus {

    private final PipelineConf pipeline;
    private final StatusCollector collector;
    private volatile Probed probed = new Probed(List.of(), "", List.of());
    private final Cache<StatusReport> reports = new Cache<>();
    private final Cache<PartitionGrid> grids = new Cache<>();
    private StatusReport lastRead;
    private Probed lastProbed;
    private StatusReport lastReport;

    public PipelineStatus(PipelineConf pipeline, Lake lake) {
        this.pipeline = pipeline;
        this.collector = new StatusCollector(pipeline, lake, Clock.systemUTC());
    }

    /**
     * The lake and ledger read now, with the newest probe of jobs and endpoints: the same object
     * while neither changed, so that its JSON is written once.
     */
    public synchronized StatusReport report() {
        Probed last = probed;
        StatusReport read = reports.get(collector.fingerprint(), collector::collect);
        if (read != lastRead || last != lastProbed) {
            lastReport = read.withJobs(last.jobs(), last.cluster()).withEndpoints(last.endpoints());
            lastRead = read;
            lastProbed = last;
        }
        return lastReport;
    }

    /** Now on the pipeline's wall clock, as partitions are read (see {@link PipelineConf#eventTime}). */
    Instant eventNow() {
        return pipeline.eventTime(Instant.now());
    }

    public PartitionGrid grid(Instant from, Instant until) {
        return grids.get(collector.fingerprint() + "/" + from + "/" + until, () -> collector.grid(from, until));
    }

    List<LedgerEntry> history(String table, String partition) {
        return collector.history(table, partition);
    }

    /** The text with the conf's secrets masked, for what a failure says. */
    String mask(String text) {
        return pipeline.secrets().mask(text);
    }

    /** Asks the cluster for the pipeline's jobs and each endpoint whether it answers. */
    void probe() {
        List<StatusReport.JobRow> jobs = List.of();
        String cluster = "";
        String address = clusterAddress();
        if (address != null) {
            try (FlinkSession session = FlinkSession.start(pipeline.flink().asRemote(address))) {
                jobs = ClusterCommands.rows(pipeline, session, false);
                cluster = session.webUrl();
            } catch (RuntimeException e) {
                // Whatever answers on that port, status goes on without jobs and says why.
                cluster = pipeline.secrets().mask(String.valueOf(e.getMessage()));
            }
        }
        Probed now = new Probed(jobs, cluster, endpoints());
        if (!now.equals(probed)) {
            probed = now;
        }
    }

    /**
     * The remote cluster; or the embedded one of a weir stream process, when its web UI port answers
     * on this machine. Without one, no jobs are shown.
     */
    private String clusterAddress() {
        if (pipeline.flink().target() == FlinkTarget.REMOTE) {
            return pipeline.flink().address();
        }
        int port = pipeline.flink().webUiPort();
        if (port == 0) {
            return null;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return "127.0.0.1:" + port;
        } catch (IOException nobodyListens) {
            return null;
        }
    }

    /** Whether the source and serving store answer now (embedded ones only while a Weir process runs them). */
    private List<StatusReport.EndpointStatus> endpoints() {
        List<StatusReport.EndpointStatus> probedNow = new ArrayList<>();
        for (Endpoint endpoint : Endpoint.of(pipeline)) {
            if (endpoint.jdbcUrl().contains("://null") || isEmbedded(endpoint)) {
                continue;
            }
            String problem = endpoint.problem().map(pipeline.secrets()::mask).orElse(null);
            probedNow.add(new StatusReport.EndpointStatus(endpoint.name(), problem == null, problem));
        }
        return probedNow;
    }

    private boolean isEmbedded(Endpoint endpoint) {
        return endpoint.name().startsWith("source ")
                ? pipeline.embeddedSource().map(s -> s.kind().label(s).equals(endpoint.name())).orElse(false)
                : pipeline.serving().map(ServingConf::embedded).orElse(false);
    }

    /**
     * The last answer, given again while nothing it read has changed, for a little while: a page
     * polled every few seconds by an idle browser then costs a fingerprint, not a recomputation.
     */
    private static final class Cache<T> {
        private static final long REUSE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        private String key;
        private long computedAt;
        private T value;

        synchronized T get(String newKey, java.util.function.Supplier<T> compute) {
            long now = System.nanoTime();
            if (value == null || !newKey.equals(key) || now - computedAt > REUSE_NANOS) {
                value = compute.get();
                key = newKey;
                computedAt = now;
            }
            return value;
        }
    }

    private record Probed(List<StatusReport.JobRow> jobs, String cluster, List<StatusReport.EndpointStatus> endpoints) {}
}
