package io.weir.runner.lake;

import io.weir.runner.WeirException;
import io.weir.runner.conf.WarehouseConf;
import org.apache.paimon.Snapshot;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.CatalogContext;
import org.apache.paimon.catalog.CatalogFactory;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.Decimal;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.options.Options;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.source.ReadBuilder;
import org.apache.paimon.types.DataField;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Direct access to the Paimon warehouse, without a Flink job: current table contents (merged as
 * the table's merge engine defines) and the watermarks streaming writers recorded in snapshots.
 */
public final class Lake implements AutoCloseable {

    private final Catalog catalog;
    private final String database;
    private final String ledgerDatabase;
    private final String warehouseUri;
    private final Map<String, org.apache.paimon.utils.SnapshotManager> snapshotManagers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, KnownWatermark> watermarks = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, StreamCommitLog> streamCommits = new java.util.concurrent.ConcurrentHashMap<>();

    public Lake(WarehouseConf warehouse) {
        this(warehouse, Optional.empty());
    }

    /** The pipeline's warehouse: a ledger it left in another database is told from other pipelines' by its tables. */
    public Lake(io.weir.runner.conf.PipelineConf pipeline) {
        this(pipeline.warehouse(), Optional.of(new LeftBehindLedger.Owner(pipeline.name(),
                pipeline.layers().stream().map(io.weir.runner.conf.LayerConf::table).collect(java.util.stream.Collectors.toSet()))));
    }

    Lake(WarehouseConf warehouse, Optional<LeftBehindLedger.Owner> owner) {
        Map<String, String> options = new HashMap<>(warehouse.options());
        options.put("warehouse", warehouse.uri());
        // Weir reads tables other processes and jobs commit to all the time (watermarks, the ledger,
        // partitions a backfill just wrote); a cached table would answer with an old snapshot.
        options.put("cache-enabled", "false");
        MetastoreUris metastore = null;
        if ("hive".equals(options.get("metastore"))) {
            metastore = MetastoreUris.of(options);
            requireReachable(metastore);
        }
        try {
            this.catalog = CatalogFactory.createCatalog(CatalogContext.create(Options.fromMap(options)));
        } catch (RuntimeException e) {
            if (metastore != null) {
                throw WeirException.badInput("cannot use the Hive Metastore at " + metastore + ": " + rootMessage(e));
            }
            throw e;
        }
        this.database = warehouse.database();
        this.ledgerDatabase = warehouse.ledgerDatabase();
        this.warehouseUri = warehouse.uri();
        WarehouseDatabases databases = new WarehouseDatabases(catalog, warehouse.uri());
        try {
            if (metastore != null) {
                for (String name : List.of(database, ledgerDatabase)) {
                    requireInThisWarehouse(databases, name, warehouse.uri(), metastore);
                }
            }
            new LeftBehindLedger(catalog, databases, database, ledgerDatabase, owner, this::tableExists).refuseIfAny();
        } catch (RuntimeException e) {
            try {
                catalog.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * A metastore serves many warehouses, but a database in it lies in one: a table created in
     * another warehouse's database would be written there, and one of the same name would be shared.
     */
    private void requireInThisWarehouse(WarehouseDatabases databases, String name, String warehouseUri,
            MetastoreUris metastore) {
        if (!databases.liesInWarehouse(name)) {
            String location = databases.location(name).orElseThrow();
            throw WeirException.badInput("the database " + name + " of the Hive Metastore at " + metastore + " lies at "
                    + location + ", outside this warehouse (" + warehouseUri + "): another warehouse registered it."
                    + (name.equals(database) ? " Give this one its own warehouse.database."
                            : " Weir keeps its ledger there: give this one its own warehouse.ledger-database."));
        }
    }

    /** The metastore's uris, and where the conf names them, as "warehouse.metastore.uri". */
    private record MetastoreUris(String uris, String source) {
        static MetastoreUris of(Map<String, String> options) {
            if (options.get("uri") != null) {
                return new MetastoreUris(options.get("uri"), "warehouse.metastore.uri");
            }
            java.nio.file.Path dir = java.nio.file.Path.of(options.get(io.weir.runner.conf.Metastore.HIVE_CONF_DIR));
            return new MetastoreUris(io.weir.runner.conf.HiveSite.uris(dir).orElseThrow(), "hive.metastore.uris in "
                    + dir.resolve(io.weir.runner.conf.HiveSite.FILE) + ", warehouse.metastore.hive-conf-dir");
        }

        @Override
        public String toString() {
            return uris + " (" + source + ")";
        }
    }

    /**
     * Fails at once, naming the key, when no metastore listens: the metastore client would retry for
     * seconds and end in a stack of reflection errors.
     */
    private static void requireReachable(MetastoreUris metastore) {
        String problem = null;
        for (String uri : metastore.uris().split(",")) {
            try (java.net.Socket socket = new java.net.Socket()) {
                java.net.URI parsed = java.net.URI.create(uri.trim());
                socket.connect(new java.net.InetSocketAddress(parsed.getHost(), parsed.getPort()), 5_000);
                return;
            } catch (java.io.IOException | IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        throw WeirException.badInput("cannot reach the Hive Metastore at " + metastore + ": " + problem + "; is it running?");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Whether the warehouse exists yet. Opening a {@code Lake} creates it, so commands that only read
     * (runs, status) ask first and leave a new conf's warehouse uncreated.
     */
    public static boolean exists(WarehouseConf warehouse) {
        Map<String, String> options = new HashMap<>(warehouse.options());
        org.apache.paimon.fs.Path path = new org.apache.paimon.fs.Path(warehouse.uri());
        try {
            return org.apache.paimon.fs.FileIO.get(path, CatalogContext.create(Options.fromMap(options))).exists(path);
        } catch (java.io.IOException | RuntimeException e) {
            // Hadoop's file systems fail an unknown host with an IllegalArgumentException, not an IOException.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw io.weir.runner.WeirException.badInput("cannot reach the warehouse " + warehouse.uri() + " (warehouse.uri): "
                    + root.getClass().getSimpleName() + ": " + root.getMessage());
        }
    }

    public boolean tableExists(String table) {
        try {
            catalog.getTable(Identifier.create(database, table));
            return true;
        } catch (Catalog.TableNotExistException e) {
            return false;
        }
    }

    /** The database of the layers' tables. */
    public String database() {
        return database;
    }

    /** The database of Weir's own tables: the ledger, seals, upgrades, verifications and staging. */
    public String warehouseUri() {
        return warehouseUri;
    }

    public String ledgerDatabase() {
        return ledgerDatabase;
    }

    /** The Paimon catalog, for Weir's own tables in other databases. */
    public Catalog catalog() {
        return catalog;
    }

    /** The partition values that hold a data file in the latest snapshot: read from the manifests' partition summaries. */
    public java.util.Set<String> partitionsWithFiles(String tableName) {
        return partitionRecordCounts(tableName).keySet();
    }

    /** Record count per partition value (first partition column), as the latest snapshot holds it. */
    public Map<String, Long> partitionRecordCounts(String tableName) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        FileStoreTable table = table(tableName);
        if (table.partitionKeys().isEmpty()) {
            return counts;
        }
        for (org.apache.paimon.manifest.PartitionEntry entry : table.newSnapshotReader().partitionEntries()) {
            counts.merge(entry.partition().getString(0).toString(), entry.recordCount(), Long::sum);
        }
        return counts;
    }

    /**
     * When each partition's newest data file was written (epoch millis, as this JVM's zone reads the
     * writer's wall clock), as the latest snapshot holds them.
     */
    public Map<String, Long> partitionsLastWritten(String tableName) {
        Map<String, Long> written = new java.util.TreeMap<>();
        partitionFiles(tableName).forEach((value, files) -> written.put(value, files.lastWrittenMillis()));
        return written;
    }

    /** Each partition's data files as the latest snapshot holds them. */
    public Map<String, PartitionFiles> partitionFiles(String tableName) {
        return PartitionFiles.of(table(tableName));
    }

    /** The named partitions' data files as a snapshot held them; one without a file is left out. */
    public Map<String, PartitionFiles> partitionFiles(String tableName, long snapshotId,
            java.util.Collection<String> values) {
        return PartitionFiles.of(table(tableName), snapshotId, values);
    }

    /** Commit time (epoch millis) of the newest snapshot, if the table has one. */
    public Optional<Long> latestCommitMillis(String tableName) {
        Snapshot latest = table(tableName).snapshotManager().latestSnapshot();
        return latest == null ? Optional.empty() : Optional.of(latest.timeMillis());
    }

    public FileStoreTable table(String table) {
        try {
            return (FileStoreTable) catalog.getTable(Identifier.create(database, table));
        } catch (Catalog.TableNotExistException e) {
            throw WeirException.badInput("table " + database + "." + table + " does not exist in the warehouse");
        }
    }

    /** Every current row, as column name to Java value (String, BigDecimal, LocalDateTime, ...). */
    public List<Map<String, Object>> rows(String tableName) {
        return rows(table(tableName));
    }

    public static List<Map<String, Object>> rows(Table table) {
        return rows(table, null);
    }

    private static List<Map<String, Object>> rows(Table table, org.apache.paimon.predicate.Predicate filter) {
        return rows(table, filter, Map.of());
    }

    /**
     * The rows of the partitions matching {@code partition} (column to value; empty for all) that may
     * pass {@code filter}: both are pushed down to skip files, and the filter does not drop rows within
     * a file, so callers check it again.
     */
    public static List<Map<String, Object>> rows(Table table, org.apache.paimon.predicate.Predicate filter,
            Map<String, String> partition) {
        String tableName = table.name();
        ReadBuilder read = table.newReadBuilder();
        if (filter != null) {
            read = read.withFilter(filter);
        }
        if (!partition.isEmpty()) {
            read = read.withPartitionFilter(partition);
        }
        List<DataField> fields = table.rowType().getFields();
        List<InternalRow.FieldGetter> getters = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            getters.add(InternalRow.createFieldGetter(fields.get(i).type(), i));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        try (RecordReader<InternalRow> reader = read.newRead().createReader(read.newScan().plan())) {
            reader.forEachRemaining(row -> {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int i = 0; i < fields.size(); i++) {
                    values.put(fields.get(i).name(), toJava(getters.get(i).getFieldOrNull(row)));
                }
                rows.add(values);
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + tableName + ": " + e.getMessage(), e);
        }
        return rows;
    }

    /** The current rows of some partitions (values of the first partition column). */
    public List<Map<String, Object>> rowsOfPartitions(String tableName, List<String> values) {
        return rowsOfPartitions(table(tableName), values);
    }

    /** The same for any table, such as Weir's own in the {@code weir} database; all rows if unpartitioned. */
    public static List<Map<String, Object>> rowsOfPartitions(FileStoreTable table, List<String> values) {
        if (table.partitionKeys().isEmpty()) {
            return rows(table);
        }
        String column = table.partitionKeys().get(0);
        int index = table.rowType().getFieldNames().indexOf(column);
        List<Object> literals = new ArrayList<>();
        values.forEach(v -> literals.add(BinaryString.fromString(v)));
        org.apache.paimon.predicate.Predicate filter =
                new org.apache.paimon.predicate.PredicateBuilder(table.rowType()).in(index, literals);
        List<Map<String, Object>> rows = new ArrayList<>();
        java.util.Set<String> wanted = new java.util.HashSet<>(values);
        for (Map<String, Object> row : rows(table, filter)) {
            if (wanted.contains(String.valueOf(row.get(column)))) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * The watermark of the newest snapshot that carries one (batch commits carry none). Found once
     * per newest snapshot: for a table no stream writes, finding none reads every snapshot it keeps,
     * and a status page asks about every table every few seconds.
     */
    public Optional<Long> watermark(String tableName) {
        org.apache.paimon.utils.SnapshotManager snapshots = snapshotManagers.get(tableName);
        Snapshot latest = snapshots == null ? null : snapshots.latestSnapshot();
        if (latest == null) { // not asked before, dropped, or without a commit
            snapshots = table(tableName).snapshotManager();
            latest = snapshots.latestSnapshot();
            if (latest == null) {
                return Optional.empty();
            }
            snapshotManagers.put(tableName, snapshots);
        }
        KnownWatermark known = watermarks.get(tableName);
        if (known != null && known.snapshotId() == latest.id() && known.committedMillis() == latest.timeMillis()) {
            return known.watermark();
        }
        Optional<Long> found = Optional.empty();
        for (Snapshot s = latest; s != null; s = previous(snapshots, s)) {
            Long watermark = s.watermark();
            if (watermark != null && watermark != Long.MIN_VALUE) {
                found = Optional.of(watermark);
                break;
            }
        }
        watermarks.put(tableName, new KnownWatermark(latest.id(), latest.timeMillis(), found));
        return found;
    }

    /**
     * The watermark the table had at {@code atMillis}: that of the newest snapshot committed by then
     * that carries one. Empty where none did, or where the snapshots of that time have expired: a
     * later one's watermark would claim more than was true then.
     */
    public Optional<Long> watermarkAsOf(String tableName, long atMillis) {
        FileStoreTable table = table(tableName);
        Snapshot s = newestCommittedBy(table, atMillis);
        for (; s != null; s = previous(table, s)) {
            Long watermark = s.watermark();
            if (watermark != null && watermark != Long.MIN_VALUE) {
                return Optional.of(watermark);
            }
        }
        return Optional.empty();
    }

    /**
     * When the table's streaming writer last ended a stretch of at least {@code spanMillis} with no
     * two commits further apart than {@code maxGapMillis}: the newest commit of a job that ran that
     * long without a stop, now or before it stopped, among the commits up to {@code atMillis}
     * ({@code Long.MAX_VALUE}: all). Empty where no such stretch is kept.
     */
    public Optional<Long> endOfStreamRun(String tableName, long atMillis, long spanMillis, long maxGapMillis) {
        return streamRun(tableName, atMillis, spanMillis, maxGapMillis).map(StreamCommitLog.Run::endMillis);
    }

    /** As {@link #endOfStreamRun}, with the watermark that stood through the run's last span, if one did. */
    Optional<StreamCommitLog.Run> streamRun(String tableName, long atMillis, long spanMillis, long maxGapMillis) {
        return streamCommits.computeIfAbsent(tableName, t -> new StreamCommitLog())
                .endOfRun(table(tableName).snapshotManager(), atMillis, spanMillis, maxGapMillis);
    }

    /** A table's watermark as of its newest snapshot, named by id and commit time (a rollback reuses ids). */
    private record KnownWatermark(long snapshotId, long committedMillis, Optional<Long> watermark) {}

    /**
     * The newest commit that brought rows (an APPEND with records, not a streaming writer's empty
     * heartbeat, not a batch overwrite) among the snapshots committed at or before {@code atMillis}
     * and after {@code afterSnapshotId}, walking back at most {@code maxSnapshots}.
     *
     * @return its snapshot id and commit time
     */
    public Optional<long[]> lastDataCommit(String tableName, long afterSnapshotId, long atMillis, int maxSnapshots) {
        FileStoreTable table = table(tableName);
        Snapshot s = newestCommittedBy(table, atMillis);
        for (int seen = 0; s != null && s.id() > afterSnapshotId && seen < maxSnapshots; s = previous(table, s), seen++) {
            if (s.commitKind() == Snapshot.CommitKind.APPEND && !empty(s)) {
                return Optional.of(new long[] {s.id(), s.timeMillis()});
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the table was quiet at {@code atMillis}: its streaming writer committed within
     * {@code livenessMillis} before it, and none of its commits in the {@code quietMillis} before it
     * brought rows. False where those snapshots have expired.
     */
    public boolean quietAt(String tableName, long atMillis, long quietMillis, long livenessMillis) {
        FileStoreTable table = table(tableName);
        boolean alive = false;
        for (Snapshot s = newestCommittedBy(table, atMillis);
                s != null && s.timeMillis() >= atMillis - Math.max(quietMillis, livenessMillis); s = previous(table, s)) {
            boolean append = s.commitKind() == Snapshot.CommitKind.APPEND;
            alive |= append && s.timeMillis() >= atMillis - livenessMillis
                    && s.commitIdentifier() != org.apache.paimon.table.sink.BatchWriteBuilder.COMMIT_IDENTIFIER;
            if (append && !empty(s) && s.timeMillis() >= atMillis - quietMillis) {
                return false;
            }
        }
        return alive;
    }

    /** The newest snapshot committed at or before the time, by bisection: snapshot times grow with ids. */
    private static Snapshot newestCommittedBy(FileStoreTable table, long atMillis) {
        Long earliest = table.snapshotManager().earliestSnapshotId();
        Long latest = table.snapshotManager().latestSnapshotId();
        if (earliest == null || latest == null) {
            return null;
        }
        long lo = earliest;
        long hi = latest;
        Snapshot found = null;
        while (lo <= hi) {
            long mid = lo + (hi - lo) / 2;
            Snapshot s = table.snapshotManager().snapshot(mid);
            if (s.timeMillis() <= atMillis) {
                found = s;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Whether a streaming job writes the table: one of its newest data commits carries a checkpoint
     * id (batch writers commit with Paimon's fixed batch identifier). A stream that records no
     * watermark, such as the copy of a dimension table, counts too.
     */
    public boolean streamWritten(String tableName) {
        FileStoreTable table = table(tableName);
        int seen = 0;
        for (Snapshot s = table.snapshotManager().latestSnapshot(); s != null && seen < 50; s = previous(table, s)) {
            if (s.commitKind() != Snapshot.CommitKind.COMPACT) {
                seen++;
                if (s.commitIdentifier() != org.apache.paimon.table.sink.BatchWriteBuilder.COMMIT_IDENTIFIER) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Commit time of the newest APPEND snapshot (a streaming writer's commit, an empty heartbeat
     * included) at or after {@code notBefore}.
     */
    public Optional<Long> lastStreamCommitMillis(String tableName, long notBefore) {
        return newestCommitMillis(tableName, notBefore, s -> s.commitKind() == Snapshot.CommitKind.APPEND);
    }

    /**
     * Commit time of the newest APPEND snapshot that brought rows, at or after {@code notBefore}:
     * a streaming writer's heartbeat (an empty commit) does not count.
     */
    public Optional<Long> lastDataAppendMillis(String tableName, long notBefore) {
        return newestCommitMillis(tableName, notBefore, s -> s.commitKind() == Snapshot.CommitKind.APPEND && !empty(s));
    }

    /** Commit time of the newest snapshot at or after {@code notBefore} that {@code counts}, walking back from the latest. */
    private Optional<Long> newestCommitMillis(String tableName, long notBefore, java.util.function.Predicate<Snapshot> counts) {
        FileStoreTable table = table(tableName);
        for (Snapshot s = table.snapshotManager().latestSnapshot(); s != null && s.timeMillis() >= notBefore;
                s = previous(table, s)) {
            if (counts.test(s)) {
                return Optional.of(s.timeMillis());
            }
        }
        return Optional.empty();
    }

    /** A commit that added no rows and no changelog: a streaming writer's heartbeat. */
    static boolean empty(Snapshot s) {
        return s.deltaRecordCount() != null && s.deltaRecordCount() == 0
                && (s.changelogRecordCount() == null || s.changelogRecordCount() == 0);
    }

    /**
     * Partition values that snapshots after the marked one wrote, if the table's history since it
     * is still the one the mark was taken in: empty where it has expired, was rolled back past the
     * mark, or the table was made anew, and nothing can tell.
     */
    public Optional<java.util.Set<String>> partitionsWrittenSinceIfKept(String tableName, SnapshotMark since) {
        return holdsHistorySince(tableName, since) ? Optional.of(partitionsWrittenSince(tableName, since.id()))
                : Optional.empty();
    }

    /**
     * Whether every commit after the marked snapshot is still kept, and the marked one is the very
     * commit the mark was taken of. A mark without a commit time (an older ledger entry) is trusted
     * by its id alone, as long as the history reaches back to it.
     */
    public boolean holdsHistorySince(String tableName, SnapshotMark since) {
        org.apache.paimon.utils.SnapshotManager snapshots = table(tableName).snapshotManager();
        Long earliest = snapshots.earliestSnapshotId();
        Long latest = snapshots.latestSnapshotId();
        // Newest below the snapshot asked about: rolled back past it, or dropped and made again since.
        if (earliest == null || latest < since.id()) {
            return false;
        }
        if (!since.timeKnown()) {
            return earliest <= since.id() + 1;
        }
        if (since.id() < earliest) {
            return false;
        }
        try {
            return snapshots.tryGetSnapshot(since.id()).timeMillis() == since.committedMillis();
        } catch (java.io.FileNotFoundException expiredMeanwhile) {
            return false;
        }
    }

    /** The newest snapshot of a table, marked so that a later rollback or re-creation shows. */
    public Optional<SnapshotMark> latestMark(String tableName) {
        Snapshot latest = table(tableName).snapshotManager().latestSnapshot();
        return latest == null ? Optional.empty() : Optional.of(new SnapshotMark(latest.id(), latest.timeMillis()));
    }

    /** Partition values that snapshots after the given one wrote (appended to or overwrote). */
    public java.util.Set<String> partitionsWrittenSince(String tableName, long snapshotId) {
        java.util.Set<String> written = new java.util.TreeSet<>();
        // The files each snapshot added: an overwrite also deletes files in the same partitions,
        // so its net partition entries can be empty even where it wrote rows.
        commitsSince(tableName, snapshotId).forEach(c -> written.addAll(c.partitions()));
        return written;
    }

    /** One commit of a table: its snapshot id, kind, time, and the partition values it wrote files into. */
    public record Commit(long snapshotId, Snapshot.CommitKind kind, long timeMillis, java.util.Set<String> partitions) {}

    /**
     * The commits after a snapshot that wrote data, oldest first; compactions, which change no row,
     * are left out. An unpartitioned table's commits name the partition "".
     */
    public List<Commit> commitsSince(String tableName, long snapshotId) {
        FileStoreTable table = table(tableName);
        boolean partitioned = !table.partitionKeys().isEmpty();
        List<Commit> commits = new ArrayList<>();
        Long latest = table.snapshotManager().latestSnapshotId();
        for (long id = snapshotId + 1; latest != null && id <= latest; id++) {
            Snapshot s = table.snapshotManager().snapshot(id);
            if (s.commitKind() == Snapshot.CommitKind.COMPACT) {
                continue;
            }
            java.util.Set<String> deletionVectors = partitioned ? deletionVectorsChanged(table, s) : java.util.Set.of();
            if (s.commitKind() == Snapshot.CommitKind.APPEND && empty(s) && deletionVectors.isEmpty()) {
                continue;
            }
            java.util.Set<String> partitions = new java.util.TreeSet<>(deletionVectors);
            for (org.apache.paimon.table.source.DataSplit split : table.newSnapshotReader().withSnapshot(id)
                    .withMode(org.apache.paimon.table.source.ScanMode.DELTA).read().dataSplits()) {
                if (!split.dataFiles().isEmpty()) {
                    partitions.add(partitioned ? split.partition().getString(0).toString() : "");
                }
            }
            commits.add(new Commit(id, s.commitKind(), s.timeMillis(), partitions));
        }
        return commits;
    }

    /**
     * The partitions whose deletion vectors a snapshot changed: a delete that writes no data file,
     * as Spark's DELETE on an append table with deletion vectors. Where the snapshot before it has
     * expired, every partition with a deletion vector counts.
     */
    private static java.util.Set<String> deletionVectorsChanged(FileStoreTable table, Snapshot s) {
        org.apache.paimon.utils.SnapshotManager snapshots = table.snapshotManager();
        if (!table.coreOptions().deletionVectorsEnabled() || s.indexManifest() == null) {
            return java.util.Set.of();
        }
        Snapshot before = snapshots.snapshotExists(s.id() - 1) ? snapshots.snapshot(s.id() - 1) : null;
        if (before != null && s.indexManifest().equals(before.indexManifest())) {
            return java.util.Set.of();
        }
        Map<String, java.util.Set<String>> now = PartitionFiles.deletionVectorFiles(table, s);
        Map<String, java.util.Set<String>> then = before == null ? Map.of() : PartitionFiles.deletionVectorFiles(table, before);
        java.util.Set<String> changed = new java.util.TreeSet<>();
        now.forEach((partition, files) -> {
            if (!files.equals(then.get(partition))) {
                changed.add(partition);
            }
        });
        then.keySet().stream().filter(partition -> !now.containsKey(partition)).forEach(changed::add);
        return changed;
    }

    /**
     * The partitions a streaming reader of the table finds data in, from snapshot {@code from} up to
     * {@code toExclusive}: appends and compactions (whose changelog a reader may take), not overwrites,
     * which streaming readers skip. Empty if a snapshot of the range is gone, since then any partition may have been written.
     */
    public Optional<java.util.Set<String>> partitionsStreamedBetween(String tableName, long from, long toExclusive) {
        FileStoreTable table = table(tableName);
        boolean partitioned = !table.partitionKeys().isEmpty();
        java.util.Set<String> partitions = new java.util.TreeSet<>();
        org.apache.paimon.utils.SnapshotManager snapshots = table.snapshotManager();
        if (toExclusive - from > MAX_SNAPSHOTS_SCANNED) {
            return Optional.empty(); // each snapshot is a manifest read: past this many, assume all
        }
        for (long id = from; id < toExclusive; id++) {
            if (!snapshots.snapshotExists(id)) {
                return Optional.empty();
            }
            Snapshot s = snapshots.snapshot(id);
            // A compaction gives a reader something only when it produced a changelog (lookup, full-compaction).
            if (s.commitKind() == Snapshot.CommitKind.OVERWRITE
                    || (s.commitKind() == Snapshot.CommitKind.COMPACT && s.changelogManifestList() == null)) {
                continue;
            }
            for (org.apache.paimon.table.source.DataSplit split : table.newSnapshotReader().withSnapshot(id)
                    .withMode(org.apache.paimon.table.source.ScanMode.DELTA).read().dataSplits()) {
                if (!split.dataFiles().isEmpty()) {
                    partitions.add(partitioned ? split.partition().getString(0).toString() : "");
                }
            }
        }
        return Optional.of(partitions);
    }

    private static final int MAX_SNAPSHOTS_SCANNED = 1000;

    /** Whether any snapshot after the given one overwrote partitions (or dropped them). */
    public boolean overwrittenAfter(String tableName, long snapshotId) {
        org.apache.paimon.utils.SnapshotManager snapshots = table(tableName).snapshotManager();
        Long latest = snapshots.latestSnapshotId();
        for (long id = snapshotId + 1; latest != null && id <= latest; id++) {
            if (snapshots.snapshotExists(id) && snapshots.snapshot(id).commitKind() == Snapshot.CommitKind.OVERWRITE) {
                return true;
            }
        }
        return false;
    }

    /** Drops partitions (an overwrite with nothing, as ALTER TABLE ... DROP PARTITION does). */
    public void dropPartitions(String tableName, java.util.Collection<String> values) {
        if (values.isEmpty()) {
            return;
        }
        String column = table(tableName).partitionKeys().get(0);
        try {
            catalog.dropPartitions(Identifier.create(database, tableName),
                    values.stream().map(v -> Map.of(column, v)).toList());
        } catch (Catalog.TableNotExistException e) {
            throw WeirException.badInput("table " + database + "." + tableName + " does not exist in the warehouse");
        }
    }

    /** Empties a table: one commit that deletes every row. */
    public void truncate(String tableName) {
        try (org.apache.paimon.table.sink.BatchTableCommit commit = table(tableName).newBatchWriteBuilder().newCommit()) {
            commit.truncateTable();
        } catch (Exception e) {
            throw new IllegalStateException("cannot empty " + tableName + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest snapshot id of a table (0 before its first commit), or empty when it does not exist.
     * Cheap enough to ask of every table every few seconds: once a table is found, only its snapshot
     * hint is read (a snapshot manager reads the file system on every call, so it never goes stale).
     */
    public Optional<Long> snapshotIdIfExists(String tableName) {
        org.apache.paimon.utils.SnapshotManager known = snapshotManagers.get(tableName);
        if (known != null) {
            Long id = known.latestSnapshotId();
            if (id != null) {
                return Optional.of(id);
            }
            snapshotManagers.remove(tableName); // dropped, or recreated without commits: ask the catalog again
        }
        if (!tableExists(tableName)) {
            return Optional.empty();
        }
        org.apache.paimon.utils.SnapshotManager manager = table(tableName).snapshotManager();
        Long id = manager.latestSnapshotId();
        if (id != null) {
            snapshotManagers.put(tableName, manager);
        }
        return Optional.of(id == null ? 0L : id);
    }

    public Optional<Long> latestSnapshotId(String tableName) {
        return Optional.ofNullable(table(tableName).snapshotManager().latestSnapshotId());
    }

    private static Snapshot previous(FileStoreTable table, Snapshot snapshot) {
        return previous(table.snapshotManager(), snapshot);
    }

    private static Snapshot previous(org.apache.paimon.utils.SnapshotManager snapshots, Snapshot snapshot) {
        long id = snapshot.id() - 1;
        Long earliest = snapshots.earliestSnapshotId();
        if (earliest == null || id < earliest) {
            return null;
        }
        return snapshots.snapshot(id);
    }

    private static Object toJava(Object value) {
        if (value instanceof BinaryString) {
            return value.toString();
        }
        if (value instanceof Decimal) {
            return ((Decimal) value).toBigDecimal();
        }
        if (value instanceof Timestamp) {
            return ((Timestamp) value).toLocalDateTime();
        }
        return value;
    }

    @Override
    public void close() throws Exception {
        catalog.close();
    }
}
