package io.weir.runner.health;

import io.weir.runner.conf.Secrets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Watches the pipeline's endpoints while a stream runs and says when one goes down and when it
 * comes back: without it, a source outage of minutes showed as nothing but connector warnings.
 */
public final class OutageWatch {

    private final List<Endpoint> endpoints;
    private final Secrets secrets;
    private final Clock clock;
    private final Duration interval;
    private final Consumer<String> report;
    private final Map<Endpoint, Instant> downSince = new LinkedHashMap<>();
    private Instant lastProbe = Instant.MIN;

    /**
     * @param interval how often it probes at most (about a checkpoint interval)
     * @param report one line per change: down, with the reason, or back, with how long it was down
     */
    public OutageWatch(List<Endpoint> endpoints, Secrets secrets, Clock clock, Duration interval,
            Consumer<String> report) {
        this.endpoints = List.copyOf(endpoints);
        this.secrets = secrets;
        this.clock = clock;
        this.interval = interval;
        this.report = report;
    }

    /** Probes every endpoint if {@code interval} has passed since the last probe. */
    public synchronized void poll() {
        Instant now = clock.instant();
        if (Duration.between(lastProbe, now).compareTo(interval) < 0) {
            return;
        }
        lastProbe = now;
        for (Endpoint endpoint : endpoints) {
            Optional<String> problem = endpoint.problem();
            Instant since = downSince.get(endpoint);
            if (problem.isPresent() && since == null) {
                downSince.put(endpoint, now);
                report.accept(endpoint.name() + " is unreachable: " + secrets.mask(problem.get())
                        + " (the jobs retry; nothing is lost while their checkpoints hold)");
            } else if (problem.isEmpty() && since != null) {
                downSince.remove(endpoint);
                report.accept(endpoint.name() + " is reachable again, after " + shown(Duration.between(since, now)));
            }
        }
    }

    /** The endpoints down now, with when they went down. */
    public synchronized Map<String, Instant> down() {
        Map<String, Instant> down = new LinkedHashMap<>();
        downSince.forEach((e, t) -> down.put(e.name(), t));
        return down;
    }

    private static String shown(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }
}
