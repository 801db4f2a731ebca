package io.weir.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Keeps every scheduler event as a line, with the time of each job submission. */
final class RecordingEvents implements ScheduleEvents {

    final List<String> lines = new ArrayList<>();
    final List<Instant> submittedAt = new ArrayList<>();

    @Override
    public synchronized void verified(String layer, String partition, boolean same, String summary) {
        lines.add("verified " + layer + " " + partition + " " + same + " " + summary);
    }

    @Override
    public synchronized void waiting(String layer, String partition, String reason) {
        lines.add("waiting " + layer + " " + partition + ": " + reason);
    }

    @Override
    public synchronized void submitted(String layer, List<String> partitions, int attempt) {
        submittedAt.add(Instant.now());
        lines.add("submitted " + layer + " " + partitions + " attempt " + attempt);
    }

    @Override
    public synchronized void done(String layer, List<String> partitions, long rows, Duration took) {
        lines.add("done " + layer + " " + partitions + " " + rows + " rows");
    }

    @Override
    public synchronized void skippedEmpty(String layer, List<String> partitions) {
        lines.add("skipped " + layer + " " + partitions + " empty");
    }

    @Override
    public synchronized void failed(String layer, List<String> partitions, int attempt, String error, Duration retryIn) {
        lines.add("failed " + layer + " " + partitions + " attempt " + attempt + (retryIn == null ? " final" : " retry in " + retryIn.toMillis() + "ms"));
    }

    @Override
    public synchronized void tickFailed(String layer, String error) {
        lines.add("tick failed " + layer + ": " + error);
    }

    @Override
    public synchronized void late(String layer, String partition, String reason) {
        lines.add("late " + layer + " " + partition + ": " + reason);
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized List<Instant> submittedAt() {
        return List.copyOf(submittedAt);
    }
}
