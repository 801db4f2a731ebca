package io.weir.backfill;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Closing;
import io.weir.runner.lake.Lake;
import io.weir.runner.template.Renderer;

import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a request into a plan: checks the range, finds partitions to skip and partitions still
 * open, cuts the rest into chunks and renders each chunk. Planning writes nothing.
 */
public final class BackfillPlanner {

    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final PipelineConf conf;
    private final Renderer renderer;
    private final Lake lake;
    private final Ledger ledger;

    public BackfillPlanner(PipelineConf conf, Renderer renderer, Lake lake, Ledger ledger) {
        this.conf = conf;
        this.renderer = renderer;
        this.lake = lake;
        this.ledger = ledger;
    }

    /** The most partitions one backfill request may plan (a stated limit, not a guess). */
    public static final int MAX_PARTITIONS = PartitionRange.MAX_PARTITIONS;

    public BackfillPlan plan(BackfillRequest request) {
        if (request.batchSize() < 1 || request.concurrency() < 1) {
            throw WeirException.badInput("--batch-size and --concurrency must be at least 1");
        }
        LayerConf layer = conf.layer(request.layer());
        PartitionRange range = request.range();
        range.requireFromStart(conf).requireBounded(layer);
        renderer.checkAll();
        // A layer that does not plan is refused before anything else is said of it (the run repeats
        // the check, from its cache).
        List<LayerConf> planned = new ArrayList<>(List.of(layer));
        if (request.cascade()) {
            planned.addAll(conf.downstreamOf(layer));
        }
        io.weir.runner.session.PlanCheck.check(conf, planned);
        String runId = newRunId();
        List<LayerPlan> layers = new ArrayList<>();
        checkRangeHasData(layer, range, Set.of());
        // A source (MySQL, Kafka) cannot say what changed in it: asked for, its layer re-reads it.
        layers.add(layerPlan(layer, range, request, request.force() || renderer.readsSourceTables(layer), runId));
        if (request.cascade()) {
            // Downstream tables never see an overwrite by streaming, so every downstream partition
            // that reads a rebuilt one is rebuilt too, whatever the ledger says of it: the same
            // span, and the partitions after it that a lookback reaches (as far as they have sealed).
            Map<String, LocalDateTime> fedUntil = new java.util.HashMap<>();
            fedUntil.put(layer.table(), range.until());
            for (LayerConf downstream : conf.downstreamOf(layer)) {
                LocalDateTime wanted = downstream.upstream().stream().filter(fedUntil::containsKey)
                        .map(t -> PartitionMapping.fed(downstream, range.from(), fedUntil.get(t))[1])
                        .max(LocalDateTime::compareTo).orElseThrow();
                // Its other inputs are read as they are: one that holds nothing would build it empty.
                checkRangeHasData(downstream, range, fedUntil.keySet());
                PartitionRange fed = new PartitionRange(range.from(), sealedUntil(downstream, range.until(), wanted));
                fedUntil.put(downstream.table(), fed.until());
                layers.add(layerPlan(downstream, fed, request, true, runId));
            }
        }
        return new BackfillPlan(runId, request.cascade() ? "cascade" : "backfill", range.firstDay(), range.lastDay(),
                layers, null);
    }

    /**
     * How far up to {@code wanted} a cascade reaches past the requested range's end: partitions
     * added by a lookback stop before the first one still open (the stream owns open partitions).
     */
    private LocalDateTime sealedUntil(LayerConf layer, LocalDateTime until, LocalDateTime wanted) {
        if (layer.partition().isEmpty()) {
            return until;
        }
        PartitionSpec spec = layer.partition().get();
        // Nor past the last partition that has ended.
        LocalDateTime now = conf.eventDateTime(java.time.Instant.now());
        LocalDateTime last = spec.partitionOf(until.minusNanos(1)).end();
        List<Partition> candidates = new ArrayList<>();
        for (LocalDateTime t = last; t.isBefore(wanted) && !spec.partitionOf(t).end().isAfter(now);
                t = spec.partitionOf(t).end()) {
            candidates.add(spec.partitionOf(t));
        }
        Set<String> sealed = Set.copyOf(new Closing(conf, lake, Clock.systemUTC()).sealedPartitions(layer, candidates));
        for (Partition next : candidates) {
            if (!sealed.contains(next.value())) {
                break;
            }
            last = next.end();
        }
        return last;
    }

    /** Re-runs exactly the failed (or interrupted) partitions of a run, over that run's own window. */
    public BackfillPlan retry(String runId, int batchSize, int concurrency) {
        List<LedgerEntry> entries = ledger.run(runId);
        if (entries.isEmpty()) {
            throw WeirException.badInput("no run '" + runId + "' in the ledger (see weir runs)");
        }
        LedgerEntry first = entries.get(0);
        LocalDate from = LocalDate.parse(first.windowStart());
        LocalDate to = LocalDate.parse(first.windowEnd());
        String newRunId = newRunId();
        List<LayerPlan> layers = new ArrayList<>();
        for (LayerConf layer : conf.layers()) {
            Set<String> unfinished = new TreeSet<>();
            for (LedgerEntry entry : entries) {
                if (entry.layer().equals(layer.name()) && entry.status() != RunStatus.DONE) {
                    unfinished.add(entry.partition());
                }
            }
            if (unfinished.isEmpty()) {
                continue;
            }
            List<Partition> partitions = new ArrayList<>();
            layer.partition().ifPresent(spec -> unfinished.forEach(v -> partitions.add(spec.named(v))));
            layers.add(new LayerPlan(layer, renderer.template(layer).logicHash(),
                    chunks(layer, partitions, batchSize, from, to, newRunId), List.of(), List.of()));
        }
        if (layers.isEmpty()) {
            throw WeirException.badInput("run '" + runId + "' has no failed partitions to retry");
        }
        return new BackfillPlan(newRunId, "retry", from, to, layers, runId);
    }

    /**
     * A plan that rebuilds exactly the given partitions of one layer (the scheduler decided they are
     * due and ready), in chunks of at most {@code batchSize} contiguous partitions.
     */
    public BackfillPlan scheduled(LayerConf layer, List<Partition> partitions, int batchSize) {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("no partitions to schedule for " + layer.name());
        }
        return ofPartitions(layer, partitions, batchSize, "schedule");
    }

    /**
     * A plan that rebuilds exactly the given partitions of one layer, for the mode that chose them
     * (the ledger's {@code mode}); no partitions means the whole of an unpartitioned layer.
     */
    public BackfillPlan ofPartitions(LayerConf layer, List<Partition> partitions, int batchSize, String mode) {
        List<Partition> sorted = partitions.stream().sorted(java.util.Comparator.comparing(Partition::start)).toList();
        LocalDate from = sorted.isEmpty() ? conf.startDate() : sorted.get(0).start().toLocalDate();
        LocalDate to = sorted.isEmpty() ? conf.eventDateTime(java.time.Instant.now()).toLocalDate()
                : sorted.get(sorted.size() - 1).end().minusNanos(1).toLocalDate();
        String runId = newRunId();
        List<Chunk> chunks = layer.partitioned() && sorted.isEmpty() ? List.of()
                : chunks(layer, sorted, batchSize, from, to, runId);
        LayerPlan layerPlan = new LayerPlan(layer, renderer.template(layer).logicHash(), chunks, List.of(), List.of());
        return new BackfillPlan(runId, mode, from, to, List.of(layerPlan), null);
    }

    private LayerPlan layerPlan(LayerConf layer, PartitionRange range, BackfillRequest request, boolean force,
            String runId) {
        String sqlHash = renderer.template(layer).logicHash();
        List<Partition> partitions = layer.partition().map(spec -> spec.partitions(range)).orElse(List.of());
        List<String> skipped = new ArrayList<>();
        // An unpartitioned layer is always rebuilt: its source is read whole, and no ledger entry says
        // whether that source changed.
        if (!force && layer.partitioned()) {
            Map<String, LedgerEntry> latest = ledger.latestByPartition(conf.name(), layer.table());
            Set<String> toRun = new java.util.HashSet<>();
            // Files read afresh for each plan: a planner that plans again (a backfill that builds
            // again what changed while it ran) must not judge by the files it saw before.
            new MissingPartitions(conf, lake).of(layer, partitions, latest, sqlHash, java.time.Instant.now())
                    .forEach(m -> toRun.add(m.partition().value()));
            partitions.stream().map(Partition::value).filter(v -> !toRun.contains(v)).forEach(skipped::add);
            partitions = partitions.stream().filter(p -> toRun.contains(p.value())).toList();
        }
        List<String> open = List.copyOf(new Closing(conf, lake, Clock.systemUTC()).openPartitions(layer, partitions).values());
        if (!open.isEmpty() && !request.allowOpen()) {
            List<String> shown = open.size() > 10 ? open.subList(0, 10) : open;
            throw WeirException.badInput("layer '" + layer.name() + "': " + open.size()
                    + " partition(s) still open, their upstream may still change:\n  " + String.join("\n  ", shown)
                    + (open.size() > shown.size() ? "\n  ... and " + (open.size() - shown.size()) + " more" : "")
                    + "\nRebuild them anyway with --allow-open.");
        }
        List<Chunk> chunks = layer.partition().isPresent() && partitions.isEmpty()
                ? List.of()
                : chunks(layer, partitions, request.batchSize(), range.firstDay(), range.lastDay(), runId);
        return new LayerPlan(layer, sqlHash, chunks, skipped, open);
    }

    private List<Chunk> chunks(LayerConf layer, List<Partition> partitions, int batchSize, LocalDate from, LocalDate to,
            String runId) {
        List<Chunk> chunks = new ArrayList<>();
        if (layer.partition().isEmpty()) {
            chunks.add(chunk(layer, List.of(), from, to, runId, 0));
            return chunks;
        }
        // A chunk renders one contiguous span, so a gap (a skipped partition) also starts a new chunk.
        List<Partition> current = new ArrayList<>();
        for (Partition p : partitions) {
            boolean gap = !current.isEmpty() && !current.get(current.size() - 1).end().equals(p.start());
            if (current.size() == batchSize || gap) {
                chunks.add(chunk(layer, current, from, to, runId, chunks.size()));
                current = new ArrayList<>();
            }
            current.add(p);
        }
        if (!current.isEmpty()) {
            chunks.add(chunk(layer, current, from, to, runId, chunks.size()));
        }
        return chunks;
    }

    private Chunk chunk(LayerConf layer, List<Partition> partitions, LocalDate from, LocalDate to, String runId, int index) {
        // The token keeps staging tables of concurrent runs and chunks apart.
        String token = runId.substring(runId.lastIndexOf('-') + 1) + "_" + index;
        Chunk chunk = new Chunk(layer, partitions, partitions.isEmpty() ? renderer.batch(layer, from, to)
                : renderer.batch(layer, partitions, token));
        if (chunk.rendered().staging().isPresent()) {
            // Refused while planning, before any chunk has run.
            renderer.checkBoundedSources(layer, partitions);
        }
        return chunk;
    }

    /**
     * The same plan rendered with this planner's conf: an embedded source's address is known only
     * once it runs, after planning decided it is needed.
     */
    public BackfillPlan rendered(BackfillPlan plan) {
        List<LayerPlan> layers = new ArrayList<>();
        for (LayerPlan layer : plan.layers()) {
            List<Chunk> chunks = new ArrayList<>();
            for (Chunk c : layer.chunks()) {
                chunks.add(chunk(c.layer(), c.partitions(), plan.from(), plan.to(), plan.runId(), chunks.size()));
            }
            layers.add(new LayerPlan(layer.layer(), layer.sqlHash(), chunks, layer.skipped(), layer.openPartitions()));
        }
        return new BackfillPlan(plan.runId(), plan.mode(), plan.from(), plan.to(), layers, plan.retryOf());
    }

    /**
     * Refuses a range that an upstream table (other than those the same run rebuilds first) holds
     * no data for yet: the layer would be built from nothing and recorded as built.
     */
    private void checkRangeHasData(LayerConf layer, PartitionRange range, Set<String> rebuiltFirst) {
        for (String upstream : layer.upstream()) {
            LayerConf upstreamLayer = conf.layerWritingTable(upstream).orElseThrow();
            if (upstreamLayer.partition().isEmpty() || rebuiltFirst.contains(upstream)) {
                continue;
            }
            Map<String, Long> counts = lake.tableExists(upstream) ? lake.partitionRecordCounts(upstream) : Map.of();
            if (counts.isEmpty()) {
                throw WeirException.badInput("layer '" + layer.name() + "': upstream table " + upstream
                        + " holds no data yet; run or backfill " + upstreamLayer.name() + " first");
            }
            if (!rebuiltFirst.isEmpty()) {
                continue; // a cascade's day before another input's first data is built as that input has it
            }
            String firstValue = counts.keySet().iterator().next();
            Optional<Partition> first = upstreamLayer.partition().get().parse(firstValue);
            if (first.isPresent() && range.until().compareTo(first.get().start()) <= 0) {
                throw WeirException.badInput("the range " + range + " ends before the first data of "
                        + upstream + " (its first partition is " + firstValue + ")");
            }
        }
    }

    /** The one form of run ids: the UTC start time, and four hex digits that keep same-second runs apart. */
    public static String newRunId() {
        return LocalDateTime.now(java.time.ZoneOffset.UTC).format(RUN_ID) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(1 << 16));
    }
}
