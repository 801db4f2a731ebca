package io.weir.scheduler;

import io.weir.backfill.LedgerEntry;
import io.weir.backfill.MissingPartitions;
import io.weir.backfill.RunStatus;
import io.weir.backfill.UpstreamRead;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.PartitionFiles;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a partition {@code [s, e)} of a layer may run: every upstream table must be complete up
 * to {@code e}.
 * <ul>
 *   <li>A table a stream writes (its snapshots carry a watermark): it is closed through at least
 *       {@code e} plus the layer's allowed lateness, by its watermark or because it went quiet
 *       ({@link Closing}).</li>
 *   <li>A table built in batch, or by a scheduled layer: the ledger shows each of its partitions
 *       within {@code [s, e)} done, and nothing but that build (or a compaction) wrote the partition;
 *       and of a scheduled layer, no input of that partition changed since its build, since its
 *       schedule will rebuild it.
 *       A failed upstream partition therefore holds back the same partition downstream, and only
 *       that one.</li>
 *   <li>An unpartitioned table (a dimension) is ready once it holds data.</li>
 *   <li>A layer with no upstream table reads the source database, which has no watermark here:
 *       it is ready once the wall clock passes {@code e} plus the allowed lateness.</li>
 * </ul>
 * Times of partitions and watermarks are UTC.
 */
final class Readiness {

    private final PipelineConf conf;
    private final LakeState lake;
    private final LedgerState ledger;
    private final Clock clock;
    private final Closing closing;
    private final DuePartitions due;

    Readiness(PipelineConf conf, LakeState lake, LedgerState ledger, Closing closing, Clock clock, DuePartitions due) {
        this.conf = conf;
        this.lake = lake;
        this.ledger = ledger;
        this.closing = closing;
        this.clock = clock;
        this.due = due;
    }

    /** Closing as the scheduler asks it: about one table for many partitions, so answers are reused briefly. */
    static Closing closing(PipelineConf conf, io.weir.runner.lake.Lake lake, Clock clock) {
        return new Closing(conf, lake, clock, Duration.ofMillis(500));
    }

    Verdict check(LayerConf layer, Partition partition) {
        Duration lateness = layer.schedule().map(s -> s.allowedLateness()).orElse(Duration.ZERO);
        Instant needed = partition.end().toInstant(ZoneOffset.UTC).plus(lateness);
        List<String> waitingOn = new ArrayList<>();
        if (layer.upstream().isEmpty()) {
            if (conf.eventTime(clock.instant()).isBefore(needed)) {
                waitingOn.add((conf.sources().isEmpty() ? "source" : String.join(", ",
                        conf.sources().stream().map(s -> s.kind().label(s)).toList()))
                        + ": the wall clock has not reached " + show(needed) + " (partition end + allowed lateness "
                        + lateness + ")");
            }
            return new Verdict(waitingOn);
        }
        for (String table : layer.upstream()) {
            upstreamProblem(layer, table, partition, needed, lateness).ifPresent(waitingOn::add);
        }
        return new Verdict(waitingOn);
    }

    private Optional<String> upstreamProblem(LayerConf layer, String table, Partition partition, Instant needed,
            Duration lateness) {
        LakeState.TableState state = lake.of(table);
        LayerConf upstreamLayer = conf.layerWritingTable(table).orElseThrow();
        // A stream that records no watermark is judged by Closing all the same (closed by its inputs).
        boolean judgedByLedger = upstreamLayer.partition().isPresent() && (upstreamLayer.scheduled() || !state.streamCommits());
        if (judgedByLedger) {
            // The ledger decides: a partition recorded empty without a job leaves no snapshot behind.
            return batchProblem(layer, table, upstreamLayer.partition().get(), partition, state);
        }
        if (!state.exists() || state.snapshotId() == 0) {
            return Optional.of(table + ": holds no data yet");
        }
        if (upstreamLayer.partition().isEmpty()) {
            return Optional.empty();
        }
        return watermarkProblem(table, needed, lateness);
    }

    private Optional<String> watermarkProblem(String table, Instant needed, Duration lateness) {
        Closing.Closed closed = closing.of(table);
        if (closed.passed(needed)) {
            return Optional.empty();
        }
        return Optional.of(table + ": " + closed.state() + " has not reached " + show(needed)
                + " (partition end + allowed lateness " + lateness + ")");
    }

    private Optional<String> batchProblem(LayerConf layer, String table, PartitionSpec spec, Partition partition,
            LakeState.TableState state) {
        for (Partition upstream : PartitionMapping.read(layer, partition, spec)) {
            Optional<LedgerEntry> entry = ledger.latest(table, upstream.value());
            String name = table + " partition " + upstream.value();
            if (entry.isEmpty()) {
                return Optional.of(name + ": not built (no run in the ledger" + (state.streamCommits() ? ""
                        : ", and no stream writes it") + ")");
            }
            LedgerEntry e = entry.get();
            if (e.status() == RunStatus.RUNNING) {
                return Optional.of(name + ": being built by run " + e.runId());
            }
            if (e.status() == RunStatus.FAILED) {
                return Optional.of(name + ": blocked, it failed in run " + e.runId()
                        + (e.error() == null ? "" : ": " + firstLine(e.error())));
            }
            if (e.status() == RunStatus.LATE) {
                return Optional.of(name + ": itself waiting for its upstream (" + firstLine(e.error()) + ")");
            }
            if (writtenAfter(table, upstream, e, state)) {
                return Optional.of(name + ": written after its build in run " + e.runId()
                        + "; waiting for its rebuild");
            }
            Optional<String> dueAgain = due.dueAgain(conf.layerWritingTable(table).orElseThrow(), upstream, clock.instant())
                    .map(MissingPartitions.Missing::why);
            if (dueAgain.isPresent()) {
                return Optional.of(name + ": due for its schedule's rebuild (" + dueAgain.get() + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Whether something other than the build wrote the partition after it: its files differ from
     * those the build left, and not only by a compaction. Where the table's history since has
     * expired, it is taken as unchanged: the downstream's own late-data test still sees the write.
     */
    private boolean writtenAfter(String table, Partition partition, LedgerEntry build, LakeState.TableState state) {
        PartitionFiles files = state.partitions().get(partition.value());
        Optional<UpstreamRead.WrittenPartition> left = UpstreamRead.written(build);
        if (left.isEmpty()) {
            return files != null && build.finishedAt() != null
                    && files.lastWrittenMillis() > epochMillis(build.finishedAt()) + eastMostSkew(build.finishedAt());
        }
        if (left.get().digest().equals(files == null ? PartitionFiles.NONE : files.digest())) {
            return false;
        }
        return lake.writtenSince(table, left.get().snapshot()).map(written -> written.contains(partition.value()))
                .orElse(false);
    }

    /**
     * For an entry recorded before builds kept their digest: a file's time is its writer's wall
     * clock read in this JVM's zone, so a writer further east makes it look newer, by up to
     * fourteen hours (and an hour of summer time) less this zone's offset.
     */
    private static long eastMostSkew(LocalDateTime at) {
        int offset = java.time.ZoneId.systemDefault().getRules().getOffset(at.toInstant(ZoneOffset.UTC)).getTotalSeconds();
        return Math.max(0, Duration.ofHours(15).toSeconds() - offset) * 1000;
    }

    static long epochMillis(LocalDateTime ledgerTime) {
        // The ledger records UTC times, whatever the zone of the machine that ran the job.
        return ledgerTime.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    static String show(Instant instant) {
        return Closing.show(instant);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Ready when nothing is waited on; otherwise one line per upstream table that holds it back. */
    record Verdict(List<String> waitingOn) {
        boolean ready() {
            return waitingOn.isEmpty();
        }

        String reason() {
            return String.join("; ", waitingOn);
        }
    }
}
