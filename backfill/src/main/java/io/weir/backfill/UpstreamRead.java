package io.weir.backfill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.Partition;
import io.weir.runner.conf.PartitionMapping;
import io.weir.runner.conf.PartitionSpec;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PartitionFiles;
import io.weir.runner.lake.SnapshotMark;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a build read upstream, as each ledger entry keeps it (JSON in its upstream column): per
 * upstream table the snapshot and watermark, and the {@link PartitionFiles#digest() digest} of
 * every upstream partition the entry's partition reads. A later equal digest proves, without the
 * table's history and whatever the writers' clocks, that the partition is as the build read it.
 */
public final class UpstreamRead {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SNAPSHOT = "snapshot";
    private static final String COMMITTED = "committed";
    private static final String FILES = "files";
    /** Not a table name: Paimon keeps '$' for its system tables. */
    private static final String WRITTEN = "$written";

    private final LayerConf layer;
    private final PipelineConf conf;
    private final Map<String, Map<String, Object>> tables;
    private final Map<String, Map<String, String>> digests;
    private final Map<String, Partition> partitions;
    private final Written written;

    private UpstreamRead(PipelineConf conf, LayerConf layer, Map<String, Map<String, Object>> tables,
            Map<String, Map<String, String>> digests, Map<String, Partition> partitions, Written written) {
        this.conf = conf;
        this.layer = layer;
        this.tables = tables;
        this.digests = digests;
        this.partitions = partitions;
        this.written = written;
    }

    /**
     * What the build left in its own table, as the snapshot after it holds it: a later write there
     * that no build recorded shows as another digest.
     *
     * @param digests per partition value of the layer's table; a partition without a file is left out
     */
    record Written(SnapshotMark snapshot, Map<String, String> digests) {}

    /**
     * The same record, with what the build wrote into its own table's partitions.
     *
     * @param files as {@code snapshot} holds them; a partition without a file may be left out
     */
    public UpstreamRead withWritten(SnapshotMark snapshot, Map<String, PartitionFiles> files) {
        Map<String, String> digests = new TreeMap<>();
        files.forEach((value, f) -> digests.put(value, f.digest()));
        return new UpstreamRead(conf, layer, tables, this.digests, partitions, new Written(snapshot, digests));
    }

    /**
     * The upstream tables' newest snapshots and watermarks now, with the digests of the upstream
     * partitions that {@code partitions} read, each as of that same snapshot.
     */
    public static UpstreamRead now(PipelineConf conf, Lake lake, LayerConf layer, Collection<Partition> partitions) {
        return snapshotsNow(conf, lake, layer).reading(lake, partitions);
    }

    /**
     * The upstream tables' newest snapshots and watermarks now, without digests yet: taken before
     * a caller looks at the upstream data, so that what commits meanwhile is newer than the record.
     */
    public static UpstreamRead snapshotsNow(PipelineConf conf, Lake lake, LayerConf layer) {
        Map<String, Map<String, Object>> tables = new LinkedHashMap<>();
        if (layer.upstream().isEmpty()) {
            conf.sources().forEach(s -> tables.put(s.kind().upstreamRecord(s), Map.of("read", SNAPSHOT)));
        }
        for (String table : layer.upstream()) {
            Map<String, Object> state = new LinkedHashMap<>();
            tables.put(table, state);
            if (!lake.tableExists(table)) {
                continue;
            }
            Optional<SnapshotMark> mark = lake.latestMark(table);
            state.put(SNAPSHOT, mark.map(SnapshotMark::id).orElse(0L));
            mark.ifPresent(m -> state.put(COMMITTED, m.committedMillis()));
            lake.watermark(table).ifPresent(wm -> state.put("watermark", wm));
        }
        return new UpstreamRead(conf, layer, tables, Map.of(), Map.of(), null);
    }

    /**
     * The same snapshots, with the digests of the upstream partitions that {@code partitions} read,
     * each as of the snapshot recorded for its table.
     */
    public UpstreamRead reading(Lake lake, Collection<Partition> partitions) {
        Map<String, Map<String, String>> digests = new LinkedHashMap<>();
        tables.forEach((table, state) -> {
            Optional<PartitionSpec> spec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (state.get(SNAPSHOT) instanceof Long snapshot && spec.isPresent() && !partitions.isEmpty()) {
                digests.put(table, digestsAt(lake, table, snapshot, reads(layer, partitions, spec.get())));
            }
        });
        Map<String, Partition> byValue = new LinkedHashMap<>();
        partitions.forEach(p -> byValue.put(p.value(), p));
        return new UpstreamRead(conf, layer, tables, digests, byValue, written);
    }

    /** No record: for entries of partitions that never ran. */
    public static UpstreamRead none(PipelineConf conf, LayerConf layer) {
        return new UpstreamRead(conf, layer, Map.of(), Map.of(), Map.of(), null);
    }

    private static Collection<String> reads(LayerConf layer, Collection<Partition> partitions, PartitionSpec upstream) {
        TreeSet<String> values = new TreeSet<>();
        for (Partition p : partitions) {
            PartitionMapping.read(layer, p, upstream).forEach(read -> values.add(read.value()));
        }
        return values;
    }

    private static Map<String, String> digestsAt(Lake lake, String table, long snapshot, Collection<String> values) {
        Map<String, PartitionFiles> files = snapshot == 0 ? Map.of() : lake.partitionFiles(table, snapshot, values);
        Map<String, String> digests = new TreeMap<>();
        values.forEach(v -> digests.put(v, files.containsKey(v) ? files.get(v).digest() : PartitionFiles.NONE));
        return digests;
    }

    /** The record of one of the partitions: the digests of only what that partition reads. */
    public String json(String partitionValue) {
        Partition partition = partitions.get(partitionValue);
        Map<String, Map<String, Object>> record = new LinkedHashMap<>();
        tables.forEach((table, state) -> {
            Map<String, Object> entry = new LinkedHashMap<>(state);
            Map<String, String> tableDigests = digests.get(table);
            Optional<PartitionSpec> spec = conf.layerWritingTable(table).flatMap(LayerConf::partition);
            if (partition != null && tableDigests != null && spec.isPresent()) {
                Map<String, String> read = new TreeMap<>();
                for (Partition p : PartitionMapping.read(layer, partition, spec.get())) {
                    if (tableDigests.containsKey(p.value())) {
                        read.put(p.value(), tableDigests.get(p.value()));
                    }
                }
                entry.put(FILES, read);
            }
            record.put(table, entry);
        });
        if (written != null && partition != null) {
            Map<String, Object> own = new LinkedHashMap<>();
            own.put(SNAPSHOT, written.snapshot().id());
            own.put(COMMITTED, written.snapshot().committedMillis());
            own.put("digest", written.digests().getOrDefault(partitionValue, PartitionFiles.NONE));
            record.put(WRITTEN, own);
        }
        try {
            return JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the upstream record is plain strings and numbers", e);
        }
    }

    /** The snapshot of a table that a build read, if its entry says. */
    public static Optional<SnapshotMark> snapshot(LedgerEntry build, String table) {
        return Optional.ofNullable(parsed(build).snapshots().get(table));
    }

    /**
     * The digests of a table's partitions as the build read them ({@link PartitionFiles#NONE} for
     * one that had no file); empty for an entry recorded before Weir kept them.
     */
    public static Optional<Map<String, String>> digests(LedgerEntry build, String table) {
        return Optional.ofNullable(parsed(build).digests().get(table));
    }

    /**
     * What the build left in its own partition: the snapshot after it, and that partition's digest
     * then; empty for an entry recorded before Weir kept it, or without a build (recorded empty).
     */
    public static Optional<WrittenPartition> written(LedgerEntry build) {
        return Optional.ofNullable(parsed(build).written());
    }

    /** One partition as its build left it. */
    public record WrittenPartition(SnapshotMark snapshot, String digest) {}

    private record Parsed(Map<String, SnapshotMark> snapshots, Map<String, Map<String, String>> digests,
            WrittenPartition written) {}

    /**
     * Each record read once: a scheduler asks about every built partition on every tick. Held while
     * the ledger's entries (and so their records) are.
     */
    private static final Map<String, Parsed> PARSED = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static Parsed parsed(LedgerEntry build) {
        String record = build.upstream() == null ? "{}" : build.upstream();
        return PARSED.computeIfAbsent(record, UpstreamRead::parse);
    }

    private static Parsed parse(String record) {
        JsonNode root;
        try {
            root = JSON.readTree(record);
        } catch (JsonProcessingException e) {
            root = JSON.createObjectNode(); // an unreadable record tells nothing: the exact tests decide
        }
        Map<String, SnapshotMark> snapshots = new java.util.HashMap<>();
        Map<String, Map<String, String>> digests = new java.util.HashMap<>();
        WrittenPartition written = null;
        for (Iterator<Map.Entry<String, JsonNode>> tables = root.fields(); tables.hasNext(); ) {
            Map.Entry<String, JsonNode> table = tables.next();
            JsonNode snapshot = table.getValue().get(SNAPSHOT);
            if (table.getKey().equals(WRITTEN)) {
                if (snapshot != null && snapshot.canConvertToLong() && table.getValue().path("digest").isTextual()) {
                    written = new WrittenPartition(mark(table.getValue()), table.getValue().get("digest").asText());
                }
                continue;
            }
            if (snapshot != null && snapshot.canConvertToLong()) {
                snapshots.put(table.getKey(), mark(table.getValue()));
            }
            JsonNode files = table.getValue().get(FILES);
            if (files != null && files.isObject()) {
                Map<String, String> read = new TreeMap<>();
                files.fields().forEachRemaining(f -> read.put(f.getKey(), f.getValue().asText()));
                digests.put(table.getKey(), read);
            }
        }
        return new Parsed(snapshots, digests, written);
    }

    private static SnapshotMark mark(JsonNode table) {
        JsonNode committed = table.get(COMMITTED);
        return new SnapshotMark(table.get(SNAPSHOT).asLong(),
                committed != null && committed.canConvertToLong() ? committed.asLong() : SnapshotMark.UNKNOWN);
    }
}
