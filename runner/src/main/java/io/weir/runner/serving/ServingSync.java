package io.weir.runner.serving;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.lake.PendingResyncs;
import io.weir.runner.template.Renderer;
import org.apache.paimon.table.FileStoreTable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Keeps serving tables equal to their lake tables. A streaming job per table reads the lake
 * table's changes and upserts them with the serving kind's connector; an overwrite commits no changes a
 * stream could read, so rewritten partitions are replaced in the serving table by
 * {@link #resync}, in one transaction.
 *
 * <p>The job may not yet have read every commit made before the overwrite; it would apply those
 * after the replacement and bring back rows the overwrite removed. So a partition replaced while
 * the job's recorded position ({@link SyncConsumer}) is behind a commit into it is recorded in
 * {@link PendingResyncs}, and {@link #settle} replaces it again once the job has read past the
 * overwrite.
 */
public final class ServingSync {

    private final PipelineConf conf;
    private final ServingConf serving;
    private final Lake lake;
    private final ServingStore store;
    private final SyncConsumer consumer;
    private final PendingResyncs pending;

    public ServingSync(PipelineConf conf, Lake lake) {
        this.conf = conf;
        this.serving = conf.serving().orElseThrow(() -> new IllegalStateException("no serving section"));
        this.lake = lake;
        this.store = serving.store(conf.secrets());
        this.consumer = new SyncConsumer(conf.name());
        this.pending = new PendingResyncs(lake);
    }

    /** The lake table's columns and key, as the serving table must have them. */
    public ServingColumns columns(String table) {
        return store.columns(lake.table(table));
    }

    /** Creates missing serving tables; refuses ones whose columns or key differ from the lake's. */
    public void ensureTables() {
        for (String table : serving.tables()) {
            store.ensureTable(table, columns(table));
        }
    }

    /** The streaming job of one table: read the lake table's changes, upsert them (and deletes) into serving. */
    public List<String> streamStatements(String table) {
        return statements(table, true);
    }

    /**
     * The statements that identify the job: without the source's read position, which changes
     * nothing it computes. So a sync job started by an earlier Weir, without one, is adopted as it
     * is; it records a position once it restarts.
     */
    public List<String> identityStatements(String table) {
        return statements(table, false);
    }

    private List<String> statements(String table, boolean recordPosition) {
        List<String> statements = new ArrayList<>(new Renderer(conf).catalogStatements());
        Map<String, String> options = new LinkedHashMap<>(serving.kind().sinkOptions(serving, table));
        options.putAll(serving.options());
        StringBuilder with = new StringBuilder();
        options.forEach((k, v) -> with.append(with.length() == 0 ? "" : ",\n  ").append(literal(k)).append(" = ").append(literal(v)));
        String lakeTable = "`" + Renderer.CATALOG + "`.`" + conf.warehouse().database() + "`.`" + table + "`";
        // Columns and key are the lake table's, without its partitioning: a serving sink takes none.
        FileStoreTable t = lake.table(table);
        StringBuilder columns = new StringBuilder();
        for (org.apache.paimon.types.DataField field : t.rowType().getFields()) {
            columns.append("  `").append(field.name()).append("` ").append(field.type().asSQLString()).append(",\n");
        }
        columns.append("  PRIMARY KEY (").append(String.join(", ", t.primaryKeys().stream().map(k -> "`" + k + "`").toList()))
                .append(") NOT ENFORCED");
        String sink = "`default_catalog`.`default_database`.`" + sinkName(table) + "`";
        statements.add("CREATE TEMPORARY TABLE " + sink + " (\n" + columns + "\n) WITH (\n  " + with + "\n)");
        StringBuilder hint = new StringBuilder();
        new TreeMap<>(consumer.sourceOptions()).forEach((k, v) ->
                hint.append(hint.length() == 0 ? "" : ", ").append(literal(k)).append(" = ").append(literal(v)));
        statements.add("INSERT INTO " + sink + " SELECT * FROM " + lakeTable
                + (recordPosition ? " /*+ OPTIONS(" + hint + ") */" : ""));
        return statements;
    }

    /**
     * Replaces the given partitions of the serving table with the lake's rows, atomically. Those the
     * sync job may still undo with older commits are recorded as pending first.
     *
     * @return rows now in those partitions
     */
    public long resync(String table, Collection<String> partitionValues) {
        if (partitionValues.isEmpty()) {
            return 0;
        }
        store.ensureTable(table, columns(table));
        List<String> values = List.copyOf(partitionValues);
        long overwrite = lake.latestSnapshotId(table).orElse(0L);
        Optional<Long> next = consumer.nextSnapshot(lake.table(table));
        if (next.isPresent() && next.get() < overwrite) {
            Optional<Set<String>> streamed = lake.partitionsStreamedBetween(table, next.get(), overwrite);
            pending.record(table, values.stream().filter(v -> streamed.isEmpty() || streamed.get().contains(v)).toList(),
                    overwrite);
        }
        return replace(table, values);
    }

    /**
     * Replaces the table's pending partitions again as soon as its running sync job has read past
     * the snapshot each waits for, waiting up to three {@link #liveness} spans. A job that records no
     * position within one is taken to be stopped: what it has not read stays pending, for the next
     * {@code weir stream}, backfill or {@code weir sync} to settle.
     *
     * @return the partitions still pending, each with the snapshot it waits for
     */
    public Map<String, Long> settle(String table) {
        Duration liveness = liveness(conf);
        return settle(table, new SettleWait(liveness.multipliedBy(3), liveness, Optional.empty(), () -> true));
    }

    /**
     * How long {@link #settle} waits for a sync job.
     *
     * @param positionsFrom for a job just started from a restore point: only a position it records
     *     after this counts (the one on file may be ahead of the state it restored), and none yet
     *     means it has not read past anything
     * @param jobAlive false once the job has failed for good: no point waiting on
     */
    public record SettleWait(Duration patience, Duration liveness, Optional<Instant> positionsFrom,
            java.util.function.BooleanSupplier jobAlive) {}

    public Map<String, Long> settle(String table, SettleWait wait) {
        Instant start = Instant.now();
        FileStoreTable lakeTable = lake.table(table);
        Optional<Instant> recordedBefore = consumer.lastRecorded(lakeTable);
        // Read once: what others record meanwhile is theirs to settle, and settling twice is harmless.
        Map<String, Long> waiting = new TreeMap<>(pending.of(table));
        while (true) {
            if (waiting.isEmpty()) {
                return waiting;
            }
            Optional<Long> next = position(lakeTable, wait.positionsFrom());
            Map<String, Long> ready = new TreeMap<>();
            waiting.forEach((partition, after) -> {
                if (next.isPresent() && after <= next.get()) {
                    ready.put(partition, after);
                }
            });
            if (!ready.isEmpty()) {
                replace(table, List.copyOf(ready.keySet()));
                pending.settle(table, ready);
                waiting.keySet().removeAll(ready.keySet());
                if (waiting.isEmpty()) {
                    return waiting;
                }
            }
            Instant now = Instant.now();
            boolean recorded = !consumer.lastRecorded(lakeTable).equals(recordedBefore);
            if (now.isAfter(start.plus(wait.patience())) || (!recorded && now.isAfter(start.plus(wait.liveness())))
                    || !wait.jobAlive().getAsBoolean()) {
                return waiting;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return waiting;
            }
        }
    }

    /**
     * The first snapshot the sync job has not fully written to serving. With no position on file,
     * no job resumes from one (a job started without state reads the table whole): every snapshot.
     */
    private Optional<Long> position(FileStoreTable t, Optional<Instant> recordedAfter) {
        if (recordedAfter.isPresent()) {
            Optional<Instant> recorded = consumer.lastRecorded(t);
            if (recorded.isEmpty() || !recorded.get().isAfter(recordedAfter.get())) {
                return Optional.empty();
            }
            return consumer.nextSnapshot(t);
        }
        return Optional.of(consumer.nextSnapshot(t).orElse(Long.MAX_VALUE));
    }

    /** The partitions of the table still waiting for its sync job, each with the snapshot it waits for. */
    public Map<String, Long> pending(String table) {
        return pending.of(table);
    }

    /** Forgets the sync job's read position: its job starts without state, or the table is no longer served. */
    public void forgetPosition(String table) {
        consumer.remove(lake.table(table));
    }

    /**
     * Replaces partitions with the lake's rows. An overwrite committed while they were read and
     * written may have been re-synced before this write landed: then they are replaced again, so
     * the newest rows are written last.
     */
    private long replace(String table, List<String> values) {
        String column = lake.table(table).partitionKeys().get(0);
        for (int attempt = 1; ; attempt++) {
            long before = lake.latestSnapshotId(table).orElse(0L);
            List<Map<String, Object>> rows = lake.rowsOfPartitions(table, values);
            long written = store.replacePartitions(table, columns(table), column, values, rows);
            if (!lake.overwrittenAfter(table, before) || attempt == 5) {
                return written;
            }
        }
    }

    /**
     * Removes the read position of sync jobs from tables this pipeline no longer serves: a position
     * keeps every later snapshot of the table from expiring.
     *
     * @return the tables whose position was removed
     */
    public static List<String> forgetUnserved(PipelineConf conf, Lake lake) {
        SyncConsumer consumer = new SyncConsumer(conf.name());
        List<String> forgotten = new ArrayList<>();
        for (io.weir.runner.conf.LayerConf layer : conf.layers()) {
            String table = layer.table();
            if (!conf.servedTables().contains(table) && lake.tableExists(table)
                    && consumer.nextSnapshot(lake.table(table)).isPresent()) {
                consumer.remove(lake.table(table));
                forgotten.add(table);
            }
        }
        return forgotten;
    }

    /** How long a live sync job takes at most to record its position: two checkpoints, and a start. */
    public static Duration liveness(PipelineConf conf) {
        return conf.flink().checkpointInterval().multipliedBy(2).plusSeconds(20);
    }

    /** Every row the serving table holds now. */
    public List<Map<String, Object>> storeRows(String table) {
        return store.rowsOfPartitions(table, null, List.of());
    }

    static String sinkName(String table) {
        return "serving_" + table;
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
