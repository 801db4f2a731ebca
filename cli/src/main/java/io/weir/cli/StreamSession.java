package io.weir.cli;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.Chunk;
import io.weir.backfill.UpgradeRebuild;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.health.Endpoint;
import io.weir.runner.health.OutageWatch;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.ResyncSweep;
import io.weir.runner.session.RunningLayer;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Runs layers as streaming jobs until Ctrl-C, SIGTERM or a deadline, then stops them with savepoints. */
final class StreamSession {

    private static final Duration POLL = Duration.ofSeconds(2);

    private StreamSession() {}

    /** Says when the source or serving store goes down and comes back, probing about once a checkpoint. */
    static OutageWatch outageWatch(PipelineConf conf, PrintWriter out) {
        Duration checkpoint = conf.flink().checkpointInterval();
        Duration interval = checkpoint.compareTo(POLL) < 0 ? POLL
                : checkpoint.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : checkpoint;
        return new OutageWatch(Endpoint.of(conf), conf.secrets(), java.time.Clock.systemUTC(), interval, line -> {
            out.println(java.time.LocalTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + " " + line);
            out.flush();
        });
    }

    /** Settles serving partitions a backfill left pending, for the tables whose sync job this stream runs. */
    static ResyncSweep resyncSweep(PipelineConf conf, List<LayerConf> layers, PrintWriter out) {
        return new ResyncSweep(conf, conf.servedTablesOf(layers), java.time.Clock.systemUTC(), line -> {
            out.println(java.time.LocalTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + " " + line);
            out.flush();
        });
    }

    /** Submits the layers' jobs, or adopts those already running, and says which. */
    static RunningStream start(FlinkSession session, PipelineConf conf, List<LayerConf> layers, boolean fresh,
            boolean upgrade, PrintWriter out) {
        out.println("Flink cluster: " + session.webUrl() + (session.embedded() ? " (embedded; web UI)" : ""));
        session.jobJars().ifPresent(jars -> out.println("Each job carries " + jars.summary() + "."));
        out.flush();
        java.util.function.Consumer<String> say = line -> {
            out.println(line);
            out.flush();
        };
        RunningStream stream = new StreamRunner(conf, session).start(layers, fresh, upgrade
                ? java.util.Optional.of(new StreamRunner.Upgrading(new UpgradeRebuild(conf, session, rebuildProgress(say)), say))
                : java.util.Optional.empty());
        for (RunningLayer layer : stream.layers()) {
            out.println("  " + layer.layer().name() + ": job " + layer.job().getJobID() + (layer.adopted()
                    ? ", already running on the cluster: adopted"
                    : layer.restoredFrom().map(p -> ", resumed from " + p).orElse(", started fresh")));
        }
        out.flush();
        return stream;
    }

    /** An upgrade's rebuild, a line per chunk. */
    private static BackfillProgress rebuildProgress(java.util.function.Consumer<String> say) {
        return new BackfillProgress() {
            @Override
            public void started(BackfillPlan plan) {}

            @Override
            public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {
                say.accept("  " + chunk.describe() + (succeeded ? ": rebuilt, " + rowsWritten + " rows" : ": FAILED"));
            }

            @Override
            public void finished() {}

            @Override
            public void note(String message) {
                say.accept("  " + message);
            }
        };
    }

    /** Prints what --upgrade would do to each layer; stops and starts nothing. */
    static void planUpgrades(PipelineConf conf, List<LayerConf> layers, PrintWriter out) {
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            out.println("weir stream --upgrade would do this (nothing was stopped or started):");
            new StreamRunner(conf, session).planUpgrades(layers).forEach(out::println);
            out.flush();
        }
    }

    /**
     * Submits or adopts the jobs, waits until each runs, and leaves them to the cluster: the remote
     * target only, since the embedded cluster ends with this process.
     */
    static void detach(PipelineConf conf, List<LayerConf> layers, boolean fresh, boolean upgrade, PrintWriter out) {
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            RunningStream stream = start(session, conf, layers, fresh, upgrade, out);
            try {
                stream.awaitRunning(Duration.ofMinutes(5), POLL);
            } catch (WeirException e) {
                stream.cancel();
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stream.cancel();
                throw WeirException.jobFailed("interrupted before the jobs ran; they were cancelled", e);
            }
            stream.detach();
            out.println("Every job runs on " + session.webUrl() + ". weir jobs lists them; weir stop stops them with"
                    + " savepoints.");
            out.flush();
        }
    }

    /**
     * @param onPoll called every poll while the jobs are healthy (the quickstart's live view)
     */
    static void run(PipelineConf conf, List<LayerConf> layers, boolean fresh, boolean upgrade, Duration duration,
            PrintWriter out, Consumer<PipelineConf> onPoll) {
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            RunningStream stream = start(session, conf, layers, fresh, upgrade, out);
            out.println(duration == null ? "Running; Ctrl-C stops every job with a savepoint."
                    : "Running for " + duration + "; Ctrl-C stops earlier. Jobs stop with savepoints.");
            out.flush();
            StopSignal stop = StopSignal.install(stream::wakeUp);
            Instant deadline = duration == null ? Instant.MAX : Instant.now().plus(duration);
            OutageWatch outages = outageWatch(conf, out);
            try (ResyncSweep resyncs = resyncSweep(conf, layers, out)) {
                stream.awaitStopRequest(() -> stop.requested() || Instant.now().isAfter(deadline), POLL, () -> {
                    outages.poll();
                    resyncs.poll();
                    onPoll.accept(conf);
                });
            } catch (WeirException e) {
                stream.cancel();
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.println("Stopping with savepoints...");
            out.flush();
            Map<String, String> savepoints = stream.stopWithSavepoints(Duration.ofMinutes(5));
            savepoints.forEach((layer, path) -> out.println("  " + layer + ": " + path));
            out.println("Stopped. The next run resumes from these savepoints.");
            out.flush();
        }
    }
}
