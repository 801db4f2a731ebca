package io.weir.runner.lake;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PipelineConf;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How far a stream-written table is complete in event time: the one rule behind open partitions
 * (backfill), readiness (scheduler) and {@code weir status}.
 *
 * <p>A table is closed through its own snapshot watermark. A watermark only moves when rows come,
 * so a source that goes quiet would hold its last partition open forever, and a downstream job's
 * watermark can stall below its upstream's. So a table also closes when it is quiet:
 * <ul>
 *   <li>its stream job is alive: it committed within {@link #liveness()} (every checkpoint commits,
 *       an empty heartbeat when there is nothing to write);</li>
 *   <li>it brought no rows for {@code flink.quiet-timeout}, nor did any stream-written upstream
 *       table, so its job has had that long to read their last rows;</li>
 *   <li>and its upstream tables are closed: a table fed by the source closes through now minus the
 *       quiet timeout, one fed by lake tables through the least of theirs.</li>
 * </ul>
 * Closing is carried from table to table by Weir, not by Flink's watermarks, so a restart or an
 * idle split downstream cannot stall it.
 *
 * <p>A partitioned table a stream writes without a watermark (a regular join to a table without
 * event time leaves none) is closed by its inputs instead: through what they were closed through
 * {@link #lag()} before its job's latest commit, its job having run without a stop in between; a
 * stopped job keeps what it closed. Until its job has run a lag it holds its readers' partitions
 * open, where ignoring it would let a backfill seal them too early.
 *
 * <p>Times here are event times: wall-clock times of the pipeline's time zone read as UTC, as
 * watermarks and partition bounds are. Now, and the times of commits, are read on that clock.
 *
 * <p>A table whose own watermark stood still through the last lag of its job's run, while its inputs
 * closed further, is closed by its inputs the same way ({@link Basis#STALLED}): an input with nothing
 * new to read holds a Flink job's watermark at its own last one.
 */
public final class Closing {

    private final PipelineConf conf;
    private final Lake lake;
    private final Clock clock;
    private final Duration reuseFor;
    private final Map<String, Timed> recent = new java.util.concurrent.ConcurrentHashMap<>();

    public Closing(PipelineConf conf, Lake lake, Clock clock) {
        this(conf, lake, clock, Duration.ZERO);
    }

    /** @param reuseFor how long an answer is reused: a scheduler asks about one table for many partitions */
    public Closing(PipelineConf conf, Lake lake, Clock clock, Duration reuseFor) {
        this.conf = conf;
        this.lake = lake;
        this.clock = clock;
        this.reuseFor = reuseFor;
    }

    private record Timed(Closed closed, long atNanos) {}

    /** How a table's closing was decided. */
    public enum Basis {
        /** Its own snapshot watermark. */
        WATERMARK,
        /** Quiet with a live job, and its inputs closed. */
        QUIET,
        /**
         * A stream writes it without a watermark (its rows carry no event time): closed through what
         * its inputs were closed through {@link #lag()} before its job's latest commit, the job having
         * run without a stop in between.
         */
        INPUTS,
        /**
         * Its own watermark stood still through the last {@link #lag()} of its job's run while its
         * inputs closed further: closed by its inputs as {@link #INPUTS}.
         */
        STALLED,
        /** A stream writes it without a watermark, and nothing closes it yet: every partition is open. */
        OPEN,
        /** No stream has recorded a watermark in it. */
        NONE;

        /** Closed by what its inputs were closed through, not by its own watermark. */
        public boolean byInputs() {
            return this == INPUTS || this == STALLED;
        }
    }

    /**
     * @param through instants before this are complete (empty: nothing is known to be)
     * @param quiet   no rows reached it for the quiet timeout
     * @param note    why quiet did not close it further, or empty
     */
    public record Closed(String table, Optional<Instant> through, Basis basis, boolean quiet, String note) {

        public boolean passed(Instant needed) {
            return through.map(t -> !t.isBefore(needed)).orElse(false);
        }

        /** "watermark 2024-03-02 17:59:37 (rows still came 4s ago)", for messages. */
        public String state() {
            String state = switch (basis) {
                case WATERMARK -> "watermark " + show(through.orElseThrow());
                case QUIET -> "quiet, closed through " + show(through.orElseThrow());
                case INPUTS -> "no watermark, closed through " + show(through.orElseThrow()) + " by its inputs";
                case STALLED -> "closed through " + show(through.orElseThrow()) + " by its inputs";
                case OPEN -> "no watermark, not closed";
                case NONE -> "no watermark";
            };
            return note.isEmpty() ? state : state + " (" + note + ")";
        }
    }

    /** How long a stream job may go without a commit and still count as alive. */
    public Duration liveness() {
        return conf.flink().checkpointInterval().multipliedBy(3).plusSeconds(10);
    }

    /**
     * The closing of the tables that decide whether a layer's partitions are complete: its upstream
     * tables that a stream writes, or for a layer fed by the source, its own table. A copy of a
     * source without event time is not its own judge: the source, which its rebuild reads, is the
     * truth for it. Its readers are judged by it all the same.
     */
    public List<Closed> judges(LayerConf layer) {
        List<Closed> judges = new ArrayList<>();
        boolean own = layer.upstream().isEmpty();
        for (String table : own ? List.of(layer.table()) : layer.upstream()) {
            Closed closed = of(table);
            if (closed.basis() != Basis.NONE && !(own && closed.basis() == Basis.OPEN)) {
                judges.add(closed);
            }
        }
        return judges;
    }

    /**
     * The partitions still open, by value, each with the table that holds it open: a judge of the
     * layer ({@link #judges}) has not passed the partition's end, so more data for it may come.
     * Tables no stream has written are complete as far as their builds go: the ledger judges them.
     */
    public Map<String, String> openPartitions(LayerConf layer, List<Partition> partitions) {
        List<Closed> judges = judges(layer);
        Map<String, String> open = new LinkedHashMap<>();
        for (Partition partition : partitions) {
            Instant end = partition.end().toInstant(ZoneOffset.UTC);
            judges.stream().filter(judge -> !judge.passed(end)).findFirst().ifPresent(judge -> open.put(
                    partition.value(), partition.value() + ": " + judge.table() + " is not closed through the"
                            + " partition's end " + show(end) + ": " + judge.state()));
        }
        return open;
    }

    /** The values of the partitions that have sealed: no judge of the layer holds them open. */
    public List<String> sealedPartitions(LayerConf layer, List<Partition> partitions) {
        Map<String, String> open = openPartitions(layer, partitions);
        return partitions.stream().map(Partition::value).filter(v -> !open.containsKey(v)).toList();
    }

    public Closed of(String table) {
        long now = System.nanoTime();
        Timed timed = recent.get(table);
        if (timed != null && now - timed.atNanos() < reuseFor.toNanos()) {
            return timed.closed();
        }
        Closed closed = of(table, new HashMap<>());
        if (!reuseFor.isZero()) {
            recent.put(table, new Timed(closed, now));
        }
        return closed;
    }

    private Closed of(String table, Map<String, Closed> seen) {
        Closed known = seen.get(table);
        if (known != null) {
            return known;
        }
        Closed closed = compute(table, seen);
        seen.put(table, closed);
        return closed;
    }

    private Closed compute(String table, Map<String, Closed> seen) {
        if (lake.snapshotIdIfExists(table).isEmpty()) {
            return new Closed(table, Optional.empty(), Basis.NONE, false, "the table does not exist yet");
        }
        Optional<Instant> watermark = lake.watermark(table).map(Instant::ofEpochMilli);
        if (watermark.isEmpty()) {
            return withoutWatermark(table, seen);
        }
        Closed closed = byWatermark(table, watermark, seen);
        // quiet-timeout 0 asks for watermarks only
        return closed.basis() == Basis.WATERMARK && !conf.flink().quietTimeout().isZero()
                ? stalled(table, closed, seen).orElse(closed) : closed;
    }

    private Closed byWatermark(String table, Optional<Instant> watermark, Map<String, Closed> seen) {
        Duration quiet = conf.flink().quietTimeout();
        if (quiet.isZero()) {
            return new Closed(table, watermark, Basis.WATERMARK, false, "");
        }
        long now = System.currentTimeMillis();
        Optional<Long> lastRows = lake.lastDataAppendMillis(table, now - quiet.toMillis());
        if (lastRows.isPresent()) {
            return new Closed(table, watermark, Basis.WATERMARK, false,
                    "rows came " + human(Duration.ofMillis(now - lastRows.get())) + " ago; quiet after " + human(quiet));
        }
        if (lake.lastStreamCommitMillis(table, now - liveness().toMillis()).isEmpty()) {
            long since = lake.latestCommitMillis(table).orElse(now - liveness().toMillis());
            return new Closed(table, watermark, Basis.WATERMARK, true,
                    "its stream has not committed for " + human(Duration.ofMillis(now - since)) + ": not running?");
        }
        Instant carried = conf.eventTime(clock.instant()).minus(quiet);
        LayerConf layer = conf.layerWritingTable(table).orElse(null);
        for (String upstream : layer == null ? List.<String>of() : layer.upstream()) {
            Closed input = of(upstream, seen);
            if (input.basis() == Basis.NONE) {
                continue;
            }
            if (!input.quiet()) {
                return new Closed(table, watermark, Basis.WATERMARK, true,
                        "its input " + upstream + " took rows within " + human(quiet));
            }
            carried = carried.isAfter(input.through().get()) ? input.through().get() : carried;
        }
        if (!carried.isAfter(watermark.get())) {
            return new Closed(table, watermark, Basis.WATERMARK, true, "");
        }
        return new Closed(table, Optional.of(carried), Basis.QUIET, true, "");
    }

    /**
     * A watermark that stood still through the last {@link #lag()} of its job's run, while its inputs
     * closed further, is held back by an input with nothing new to read: Flink's source of a lake table
     * keeps the watermark of the last snapshot it read and never turns idle, so a side of a join, or
     * of a union, that gets no rows holds the job's watermark at its own last one forever. The table
     * is then closed by its inputs, as one without a watermark is, while its job runs. A watermark
     * that moved in that time is the job's own progress, a backlog it is reading say, and is trusted
     * as it is.
     */
    private Optional<Closed> stalled(String table, Closed byWatermark, Map<String, Closed> seen) {
        LayerConf layer = conf.layerWritingTable(table).orElse(null);
        if (layer == null || layer.upstream().isEmpty()) {
            return Optional.empty();
        }
        Optional<StreamCommitLog.Run> run = lake.streamRun(table, Long.MAX_VALUE, lag().toMillis(), liveness().toMillis());
        // As with quiet, only while its job runs: a stopped one goes back to its watermark.
        if (run.isEmpty() || run.get().stoodWatermark().isEmpty()
                || System.currentTimeMillis() - run.get().endMillis() > liveness().toMillis()) {
            return Optional.empty();
        }
        Instant stood = Instant.ofEpochMilli(run.get().stoodWatermark().get());
        return carried(layer, Long.MAX_VALUE, seen, new ArrayList<>())
                .filter(through -> through.isAfter(stood) && through.isAfter(byWatermark.through().get()))
                .map(through -> new Closed(table, Optional.of(through), Basis.STALLED, byWatermark.quiet(),
                        "its watermark stood at " + show(stood) + " through the last " + human(lag()) + " of its job's run"));
    }

    /**
     * How long a live stream job is taken to need to read what its inputs commit: the quiet rule's
     * assumption, and never less than a job's commit interval.
     */
    public Duration lag() {
        Duration quiet = conf.flink().quietTimeout();
        return quiet.compareTo(liveness()) > 0 ? quiet : liveness();
    }

    /**
     * A table without a watermark is judged by the ledger, unless a stream writes it partitioned:
     * say a regular join to a table without event time. Its partitions then close when its inputs
     * had closed them {@link #lag()} before its job's latest commit, the job having run without a
     * stop in between. A job that falls further behind writes its rows late, and those make the
     * downstream partitions built on them due again.
     */
    private Closed withoutWatermark(String table, Map<String, Closed> seen) {
        LayerConf layer = conf.layerWritingTable(table).orElse(null);
        if (layer == null || !layer.partitioned()) {
            return new Closed(table, Optional.empty(), Basis.NONE, false, "no partitions to close");
        }
        if (!lake.streamWritten(table)) {
            return new Closed(table, Optional.empty(), Basis.NONE, false, "no stream writes it");
        }
        long now = System.currentTimeMillis();
        Duration quietTimeout = conf.flink().quietTimeout();
        boolean quiet = !quietTimeout.isZero()
                && lake.lastDataAppendMillis(table, now - quietTimeout.toMillis()).isEmpty();
        if (layer.upstream().isEmpty()) {
            if (quiet && lake.lastStreamCommitMillis(table, now - liveness().toMillis()).isPresent()) {
                return new Closed(table, Optional.of(conf.eventTime(clock.instant()).minus(quietTimeout)), Basis.QUIET, true, "");
            }
            return new Closed(table, Optional.empty(), Basis.OPEN, quiet, "its source brings no event time;"
                    + (quietTimeout.isZero() ? " nothing closes it" : " it closes once quiet for " + human(quietTimeout)));
        }
        List<String> why = new ArrayList<>();
        Optional<Instant> through = carried(layer, Long.MAX_VALUE, seen, why);
        return through.map(t -> new Closed(table, Optional.of(t), Basis.INPUTS, quiet, ""))
                .orElseGet(() -> new Closed(table, Optional.empty(), Basis.OPEN, quiet, String.join("; ", why)));
    }

    /**
     * What the watermark-less stream table of the layer was closed through, by its job's commits up
     * to {@code atMillis}: what its inputs were closed through a lag before the end of the job's
     * last run of at least a lag, since in that run it read them. A job that stopped keeps what it
     * closed; one that restarted closes more once it has run a lag again.
     */
    private Optional<Instant> carried(LayerConf layer, long atMillis, Map<String, Closed> seen, List<String> why) {
        Optional<Long> ranUntil = lake.endOfStreamRun(layer.table(), atMillis, lag().toMillis(), liveness().toMillis());
        if (ranUntil.isEmpty()) {
            why.add(layer.table() + "'s stream has not run " + human(lag()) + " without a stop"
                    + (atMillis == Long.MAX_VALUE ? " yet" : " by " + show(Instant.ofEpochMilli(atMillis))));
            return Optional.empty();
        }
        long since = ranUntil.get() - lag().toMillis();
        boolean runningNow = atMillis == Long.MAX_VALUE
                && System.currentTimeMillis() - ranUntil.get() <= liveness().toMillis();
        Instant through = conf.eventTime(Instant.ofEpochMilli(since));
        boolean judged = false;
        for (String upstream : layer.upstream()) {
            Closed input = of(upstream, seen);
            if (input.basis() == Basis.NONE) {
                continue;
            }
            Optional<Instant> then = switch (input.basis()) {
                // Quiet for the quiet timeout while the job runs: it has read the input's last rows.
                // Otherwise its watermark then, or its quiet then (rows may have come since).
                case WATERMARK, QUIET -> input.basis() == Basis.QUIET && runningNow ? input.through()
                        : later(lake.watermarkAsOf(upstream, since).map(Instant::ofEpochMilli), quietThen(upstream, since));
                case INPUTS -> carried(conf.layerWritingTable(upstream).orElseThrow(), since, seen, why);
                // What its watermark had reached then, or its inputs, whichever closed it further.
                case STALLED -> later(lake.watermarkAsOf(upstream, since).map(Instant::ofEpochMilli),
                        carried(conf.layerWritingTable(upstream).orElseThrow(), since, seen, new ArrayList<>()));
                default -> Optional.empty();
            };
            if (then.isEmpty()) {
                why.add("its input " + upstream + " was not closed at " + show(Instant.ofEpochMilli(since)));
                return Optional.empty();
            }
            through = then.get().isBefore(through) ? then.get() : through;
            judged = true;
        }
        if (!judged) {
            why.add("none of its inputs closes in event time");
            return Optional.empty();
        }
        return Optional.of(through);
    }

    /**
     * What a table fed by the source was closed through by quiet at an earlier instant: the quiet
     * timeout before it, if it was quiet then. A table fed by lake tables is left to its watermark
     * then: what closed its inputs then is not kept.
     */
    private Optional<Instant> quietThen(String table, long atMillis) {
        LayerConf layer = conf.layerWritingTable(table).orElse(null);
        Duration quiet = conf.flink().quietTimeout();
        if (layer == null || !layer.upstream().isEmpty() || quiet.isZero()
                || !lake.quietAt(table, atMillis, quiet.toMillis(), liveness().toMillis())) {
            return Optional.empty();
        }
        return Optional.of(conf.eventTime(Instant.ofEpochMilli(atMillis)).minus(quiet));
    }

    private static Optional<Instant> later(Optional<Instant> a, Optional<Instant> b) {
        return a.isEmpty() ? b : b.isEmpty() || a.get().isAfter(b.get()) ? a : b;
    }

    public static String show(Instant instant) {
        return instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString().replace("T", " ").replace("Z", "");
    }

    private static String human(Duration d) {
        return Duration.ofSeconds(d.toSeconds()).toString().substring(2).toLowerCase();
    }
}
