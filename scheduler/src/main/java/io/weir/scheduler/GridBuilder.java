package io.weir.scheduler;

import io.weir.backfill.MissingPartitions;
import io.weir.backfill.LedgerEntry;
import io.weir.backfill.RunStatus;
import io.weir.backfill.verify.Verifications;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.scheduler.PartitionGrid.Cell;
import io.weir.scheduler.PartitionGrid.CellState;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Puts each partition of each layer in one {@link CellState}, from the ledger, the lake and the scheduler's rules. */
final class GridBuilder {

    /** The most cells one grid holds: a window of years of hours is refused rather than drawn. */
    static final long MAX_CELLS = 200_000;

    private final PipelineConf conf;
    private final LakeState lake;
    private final LedgerState ledger;
    private final DuePartitions due;
    private final Readiness readiness;
    private final Closing closing;
    private final Verifications verifications;
    private final StatusReport.SchedulerState scheduler;

    GridBuilder(PipelineConf conf, LakeState lake, LedgerState ledger, DuePartitions due, Readiness readiness,
            Closing closing, Verifications verifications, StatusReport.SchedulerState scheduler) {
        this.conf = conf;
        this.lake = lake;
        this.ledger = ledger;
        this.due = due;
        this.readiness = readiness;
        this.closing = closing;
        this.verifications = verifications;
        this.scheduler = scheduler;
    }

    PartitionGrid build(Instant from, Instant until, Instant now) {
        PartitionRange range = new PartitionRange(LocalDateTime.ofInstant(from, ZoneOffset.UTC),
                LocalDateTime.ofInstant(until, ZoneOffset.UTC));
        long cells = conf.layers().stream().flatMap(l -> l.partition().stream()).mapToLong(s -> s.count(range)).sum();
        if (cells > MAX_CELLS) {
            throw new PartitionGrid.TooLarge("the window " + range + " holds " + cells + " partitions over all layers;"
                    + " at most " + MAX_CELLS + " are drawn: narrow it");
        }
        List<PartitionGrid.Row> rows = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            List<Cell> row = layer.partition().map(spec -> cells(layer, spec, range, now)).orElse(List.of());
            rows.add(new PartitionGrid.Row(layer.name(), layer.table(),
                    layer.partition().map(s -> s.granularity().name()).orElse(null), row));
        }
        return new PartitionGrid(from, until, rows);
    }

    private List<Cell> cells(LayerConf layer, PartitionSpec spec, PartitionRange range, Instant now) {
        Map<String, LedgerEntry> built = ledger.latestByPartition(layer.table());
        Map<String, Long> written = lake.of(layer.table()).partitionsLastWritten();
        Optional<LocalDateTime> sealedUntil = closing.of(layer.table()).through()
                .map(t -> LocalDateTime.ofInstant(t, ZoneOffset.UTC));
        Map<String, Verifications.Verification> verified = layer.verify()
                ? verifications.byPartition(conf.name(), layer.table()) : Map.of();
        Map<String, MissingPartitions.Missing> dueNow = new HashMap<>();
        (layer.scheduled() ? due.of(layer, now) : due.stale(layer, now))
                .forEach(d -> dueNow.put(d.partition().value(), d));
        LocalDateTime current = conf.eventDateTime(now);
        List<Cell> cells = new ArrayList<>();
        for (Partition p : spec.partitions(range)) {
            cells.add(cell(layer, p, built.get(p.value()), verified.get(p.value()), dueNow.get(p.value()),
                    written.containsKey(p.value()), sealedUntil, current, now));
        }
        return cells;
    }

    private Cell cell(LayerConf layer, Partition p, LedgerEntry last, Verifications.Verification verification,
            MissingPartitions.Missing dueNow, boolean hasData, Optional<LocalDateTime> sealedUntil, LocalDateTime current,
            Instant now) {
        if (last != null && last.status() == RunStatus.RUNNING && !last.interrupted(now)) {
            return cell(p, CellState.RUNNING, "run " + last.runId() + " (" + last.mode() + ")");
        }
        if (last != null && last.interrupted(now)) {
            return cell(p, CellState.FAILED, "interrupted: run " + last.runId() + " stopped while it built this partition");
        }
        if (last != null && last.status() == RunStatus.FAILED) {
            return cell(p, CellState.FAILED, "run " + last.runId() + ": " + (last.error() == null ? "" : last.error()));
        }
        if (last != null && last.status() == RunStatus.LATE) {
            return cell(p, CellState.LATE, last.error() == null ? "" : last.error());
        }
        boolean checkedSinceBuild = verification != null && (last == null || last.finishedAt() == null
                || !verification.verifiedAt().isBefore(last.finishedAt().toInstant(ZoneOffset.UTC)));
        if (checkedSinceBuild && !verification.same()) {
            return cell(p, CellState.DIFFERING, verification.summary());
        }
        if (dueNow != null && !layer.scheduled()) {
            return cell(p, CellState.STALE, dueNow.why() + "; no schedule rebuilds it: weir backfill --layer "
                    + layer.name() + " --from " + p.value() + " --to " + p.value());
        }
        if (dueNow != null) {
            String waitingOn = readiness.check(layer, dueNow.partition()).reason();
            return cell(p, CellState.WAITING, dueNow.why() + "; " + (waitingOn.isEmpty()
                    ? "waiting on " + scheduler.whenNothingWaits() : "waiting on " + waitingOn));
        }
        if (checkedSinceBuild) {
            return cell(p, CellState.VERIFIED, verification.summary());
        }
        if (last != null) {
            return cell(p, CellState.BUILT, last.rowsWritten() + " rows, run " + last.runId() + " (" + last.mode() + ")");
        }
        if (hasData) {
            boolean sealed = sealedUntil.map(t -> !t.isBefore(p.end())).orElse(false);
            return cell(p, sealed ? CellState.SEALED : CellState.PROVISIONAL, sealed
                    ? "every watermark has passed its end; only the stream has written it"
                    : "the stream writes it; provisional until it seals");
        }
        return cell(p, p.start().isAfter(current) ? CellState.FUTURE : CellState.EMPTY, "");
    }

    private static Cell cell(Partition p, CellState state, String detail) {
        return new Cell(p.value(), p.start().toInstant(ZoneOffset.UTC), p.end().toInstant(ZoneOffset.UTC), state, detail);
    }
}
