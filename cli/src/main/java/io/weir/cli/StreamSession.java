package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.FlinkSession;
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

    /**
     * @param onPoll called every poll while the jobs are healthy (the quickstart's live view)
     */
    static void run(PipelineConf conf, List<LayerConf> layers, boolean fresh, Duration duration, PrintWriter out,
            Consumer<PipelineConf> onPoll) {
        try (FlinkSession session = FlinkSession.start(conf.flink())) {
            out.println("Flink cluster: " + session.webUrl() + (session.embedded() ? " (embedded; web UI)" : ""));
            RunningStream stream = new StreamRunner(conf, session).start(layers, fresh);
            for (RunningLayer layer : stream.layers()) {
                out.println("  " + layer.layer().name() + ": job " + layer.job().getJobID()
                        + layer.restoredFrom().map(p -> ", resumed from " + p).orElse(", started fresh"));
            }
            out.println(duration == null ? "Running; Ctrl-C stops every job with a savepoint."
                    : "Running for " + duration + "; Ctrl-C stops earlier. Jobs stop with savepoints.");
            out.flush();
            StopSignal stop = StopSignal.install(stream::wakeUp);
            Instant deadline = duration == null ? Instant.MAX : Instant.now().plus(duration);
            try {
                stream.awaitStopRequest(() -> stop.requested() || Instant.now().isAfter(deadline), POLL,
                        () -> onPoll.accept(conf));
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
