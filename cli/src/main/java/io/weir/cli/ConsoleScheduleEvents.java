package io.weir.cli;

import io.weir.scheduler.ScheduleEvents;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** One line per scheduler event, stamped with the UTC time. */
final class ConsoleScheduleEvents implements ScheduleEvents {

    private final PrintWriter out;
    /** Per layer: partitions due at its last tick, and how many of them were built since. */
    private final java.util.Map<String, int[]> catchUp = new java.util.concurrent.ConcurrentHashMap<>();

    ConsoleScheduleEvents(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void due(String layer, List<String> partitions, List<String> why) {
        catchUp.put(layer, new int[] {partitions.size(), 0});
        print(layer + ": " + partitions.size() + " partition(s) due: " + range(partitions) + reasons(partitions, why));
    }

    @Override
    public void joined(String layer, List<String> partitions, List<String> why) {
        int[] counts = catchUp.computeIfAbsent(layer, l -> new int[2]);
        synchronized (counts) {
            counts[0] += partitions.size();
        }
        print(layer + ": " + partitions.size() + " more partition(s) due: " + range(partitions) + reasons(partitions, why));
    }

    private static final int REASONS_SHOWN = 3;

    /** One reason for all, or the first few partitions with theirs: a line never says "due" without why. */
    static String reasons(List<String> partitions, List<String> why) {
        if (why.isEmpty()) {
            return "";
        }
        if (why.stream().distinct().count() == 1) {
            return " (" + why.get(0) + ")";
        }
        StringBuilder each = new StringBuilder(" (");
        int shown = Math.min(REASONS_SHOWN, Math.min(partitions.size(), why.size()));
        for (int i = 0; i < shown; i++) {
            each.append(i == 0 ? "" : "; ").append(partitions.get(i)).append(": ").append(why.get(i));
        }
        if (partitions.size() > shown) {
            each.append("; ").append(partitions.size() - shown).append(" more");
        }
        return each.append(')').toString();
    }

    /**
     * A partition's first wait is said at once; after that, a layer says at most one changed reason
     * a minute: a reason that names a moving watermark changes at every poll, for every partition.
     */
    @Override
    public void waiting(String layer, String partition, String reason) {
        boolean first = waitedBefore.add(layer + " " + partition);
        java.time.Instant now = java.time.Instant.now();
        java.time.Instant last = lastWaitingLine.get(layer);
        if (!first && last != null && Duration.between(last, now).compareTo(WAITING_REPEAT) < 0) {
            return;
        }
        lastWaitingLine.put(layer, now);
        print(layer + " " + partition + ": waiting on " + reason);
    }

    private static final Duration WAITING_REPEAT = Duration.ofMinutes(1);
    private final java.util.Set<String> waitedBefore = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, java.time.Instant> lastWaitingLine = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void submitted(String layer, List<String> partitions, int attempt) {
        print(layer + " " + range(partitions) + ": running" + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
    }

    @Override
    public void done(String layer, List<String> partitions, long rows, Duration took) {
        print(layer + " " + range(partitions) + ": done, " + String.format("%,d rows in %.1f s", rows, took.toMillis() / 1000.0)
                + progress(layer, partitions.size()));
    }

    @Override
    public void skippedEmpty(String layer, List<String> partitions) {
        print(layer + " " + range(partitions) + ": " + partitions.size() + " partition(s) read nothing; recorded"
                + " without a job" + progress(layer, partitions.size()));
    }

    /** "; catch-up 12 of 300" while a tick's due partitions take more than one job. */
    private String progress(String layer, int built) {
        int[] counts = catchUp.get(layer);
        if (counts == null) {
            return "";
        }
        synchronized (counts) {
            counts[1] = Math.min(counts[0], counts[1] + built);
            return counts[0] > built ? "; catch-up " + counts[1] + " of " + counts[0] : "";
        }
    }

    @Override
    public void failed(String layer, List<String> partitions, int attempt, String error, Duration retryIn) {
        print(layer + " " + range(partitions) + ": attempt " + attempt + " failed: " + firstLine(error)
                + (retryIn == null ? "; marked FAILED, its downstream partitions wait" : "; retry in " + retryIn.toSeconds() + " s"));
    }

    @Override
    public void late(String layer, String partition, String reason) {
        print(layer + " " + partition + ": LATE, " + reason);
    }

    @Override
    public void verified(String layer, String partition, boolean same, String summary) {
        print(layer + " " + partition + ": verified, " + summary);
    }

    @Override
    public void tickFailed(String layer, String error) {
        print(layer + ": tick failed, " + error + " (the next tick tries again)");
    }

    private synchronized void print(String line) {
        out.println(LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS) + " " + line);
        out.flush();
    }

    private static String range(List<String> partitions) {
        return partitions.size() == 1 ? partitions.get(0) : partitions.get(0) + ".." + partitions.get(partitions.size() - 1);
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }
}
