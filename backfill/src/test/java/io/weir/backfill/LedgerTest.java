package io.weir.backfill;

import io.weir.runner.conf.WarehouseConf;
import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger on real Paimon files: history and current state agree, reads touch only what they need, files stay few. */
class LedgerTest {

    @TempDir Path dir;

    private Lake lake() {
        return new Lake(new WarehouseConf(dir.resolve("warehouse").toUri().toString(), "dw", Map.of()));
    }

    private static LedgerEntry entry(String runId, String table, String partition, RunStatus status, LocalDateTime started) {
        return new LedgerEntry(runId, table, partition, "p", "layer_" + table, "backfill", "2024-03-01", "2024-03-02",
                "hash", "{}", status == RunStatus.DONE ? 7 : 0, status, null, started,
                status == RunStatus.RUNNING ? null : started.plusSeconds(5), null);
    }

    @Test
    void currentStateIsTheNewestEntryAndHistoryKeepsEveryOne() throws Exception {
        try (Lake lake = lake()) {
            Ledger ledger = new Ledger(lake).open();
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            ledger.record(List.of(entry("20240301-100000-aaaa", "dws", "20240301", RunStatus.RUNNING, t),
                    entry("20240301-100000-aaaa", "dws", "20240302", RunStatus.RUNNING, t)));
            ledger.record(List.of(entry("20240301-100000-aaaa", "dws", "20240301", RunStatus.DONE, t),
                    entry("20240301-100000-aaaa", "dws", "20240302", RunStatus.FAILED, t)));
            ledger.record(List.of(entry("20240302-090000-bbbb", "dws", "20240302", RunStatus.DONE, t.plusDays(1)),
                    entry("20240302-090000-bbbb", "ods", "20240302", RunStatus.DONE, t.plusDays(1))));

            assertEquals(RunStatus.DONE, ledger.latest("p", "dws", "20240301").orElseThrow().status());
            assertEquals("20240302-090000-bbbb", ledger.latest("p", "dws", "20240302").orElseThrow().runId());
            assertEquals(2, ledger.latestByPartition("p", "dws").size());
            assertTrue(ledger.latestByPartition("other", "dws").isEmpty(), "pipelines are apart");
            assertEquals(List.of("dws", "ods"), List.copyOf(new java.util.TreeSet<>(ledger.states("p").keySet())));

            List<LedgerEntry> first = ledger.run("20240301-100000-aaaa");
            assertEquals(2, first.size(), "a run's entries, each in its newest state");
            assertTrue(first.stream().allMatch(e -> e.runId().equals("20240301-100000-aaaa")));
            assertEquals(4, ledger.entries().size());

            List<LedgerEntry> newest = ledger.recent("p", e -> true, found -> !found.isEmpty());
            assertEquals(List.of("20240302-090000-bbbb"), newest.stream().map(LedgerEntry::runId).distinct().toList(),
                    "the newest day holds enough: the older one is not read");
            assertEquals(1, ledger.recent("p", e -> e.table().equals("ods"), found -> found.size() >= 5).size());
        }
    }

    /**
     * A backfill and a scheduler tick that planned the same partitions at once: the first to claim
     * builds them, the other is told which run has them and records nothing. A dead run's claim
     * holds nothing, and a finished one's leaves the partitions free.
     */
    @Test
    void aPartitionIsClaimedByOneLiveRunAtATime() throws Exception {
        try (Lake lake = lake()) {
            Ledger ledger = new Ledger(lake).open();
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            Lease alive = new Lease(Lease.currentOwner(), Instant.now());
            List<LedgerEntry> first = List.of(entry("run-a", "dws", "20240301", RunStatus.RUNNING, t).withLease(alive),
                    entry("run-a", "dws", "20240302", RunStatus.RUNNING, t).withLease(alive));
            assertEquals(java.util.Optional.empty(), ledger.claim(first));

            List<LedgerEntry> second = List.of(entry("run-b", "dws", "20240302", RunStatus.RUNNING, t).withLease(alive),
                    entry("run-b", "dws", "20240303", RunStatus.RUNNING, t).withLease(alive));
            LedgerEntry holder = ledger.claim(second).orElseThrow();
            assertEquals("run-a", holder.runId());
            assertEquals("20240302", holder.partition());
            assertEquals(java.util.Optional.empty(), ledger.latest("p", "dws", "20240303"), "a refused claim records nothing");
            assertEquals(java.util.Optional.empty(), ledger.claim(List.of(entry("run-b", "ods", "20240302",
                    RunStatus.RUNNING, t).withLease(alive))), "another table's partition is free");

            ledger.record(first.stream().map(e -> e.finished(RunStatus.DONE, 1, null, t.plusMinutes(1))).toList());
            assertEquals(java.util.Optional.empty(), ledger.claim(second), "free once run-a has finished");
            assertEquals("run-b", ledger.latest("p", "dws", "20240303").orElseThrow().runId());

            Lease dead = new Lease("some-host-that-is-gone:1", Instant.now().minusSeconds(600));
            ledger.record(List.of(entry("run-dead", "dws", "20240304", RunStatus.RUNNING, t).withLease(dead)));
            assertEquals(java.util.Optional.empty(), ledger.claim(List.of(entry("run-c", "dws", "20240304",
                    RunStatus.RUNNING, t).withLease(alive))), "a dead run's claim holds nothing");
        }
    }

    /** Many runs claiming one partition at the same moment: exactly one gets it. */
    @Test
    void racingClaimsOfOnePartitionLetExactlyOneRunBuildIt() throws Exception {
        try (Lake lake = lake()) {
            new Ledger(lake).open();
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            Lease alive = new Lease(Lease.currentOwner(), Instant.now());
            int runs = 6;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(runs);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(runs);
            try {
                List<java.util.concurrent.Future<Boolean>> won = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    String run = "run-" + i;
                    // Each its own Ledger, as separate processes would have.
                    Ledger own = new Ledger(lake);
                    won.add(pool.submit(() -> {
                        start.await();
                        return own.claim(List.of(entry(run, "dws", "20240301", RunStatus.RUNNING, t).withLease(alive))).isEmpty();
                    }));
                }
                int winners = 0;
                for (java.util.concurrent.Future<Boolean> f : won) {
                    winners += f.get(60, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
                }
                assertEquals(1, winners);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aRunningEntryWhoseProcessIsGoneIsResolvedFromTheCurrentState() throws Exception {
        try (Lake lake = lake()) {
            Ledger ledger = new Ledger(lake).open();
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            ledger.record(List.of(entry("20240301-100000-cccc", "dws", "20240301", RunStatus.RUNNING, t)
                    .withLease(new Lease("some-host-that-is-gone:1", Instant.now().minusSeconds(600)))));
            ledger.record(List.of(entry("20240301-100000-dddd", "dws", "20240302", RunStatus.RUNNING, t)
                    .withLease(new Lease(Lease.currentOwner(), Instant.now()))));
            List<LedgerEntry> resolved = ledger.resolveInterrupted("p");
            assertEquals(List.of("20240301"), resolved.stream().map(LedgerEntry::partition).toList());
            assertEquals(RunStatus.FAILED, ledger.latest("p", "dws", "20240301").orElseThrow().status());
            assertEquals(RunStatus.RUNNING, ledger.latest("p", "dws", "20240302").orElseThrow().status(), "ours lives");
        }
    }

    @Test
    void aProcessKilledBetweenTheTwoCommitsIsResolvedEitherWay() throws Exception {
        try (Lake lake = lake()) {
            Ledger ledger = new Ledger(lake).open();
            FileStoreTable state = (FileStoreTable) lake.catalog().getTable(Identifier.create("weir", LedgerTables.STATE_NAME));
            FileStoreTable log = (FileStoreTable) lake.catalog().getTable(Identifier.create("weir", LedgerTables.LOG_NAME));
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            Lease dead = new Lease("some-host-that-is-gone:1", Instant.now().minusSeconds(600));
            // Killed after a start reached the current state, before the history.
            LedgerEntry started = entry("20240301-100000-eeee", "dws", "20240301", RunStatus.RUNNING, t).withLease(dead);
            LedgerTables.commit(state, List.of(started));
            // Killed after an end reached the history, before the current state.
            LedgerEntry running = entry("20240301-100000-ffff", "dws", "20240302", RunStatus.RUNNING, t).withLease(dead);
            LedgerEntry done = running.finished(RunStatus.DONE, 7, null, t.plusMinutes(1));
            LedgerTables.commit(state, List.of(running));
            LedgerTables.commit(log, List.of(done));

            List<LedgerEntry> resolved = ledger.resolveInterrupted("p");
            assertEquals(List.of("20240301"), resolved.stream().map(LedgerEntry::partition).toList(),
                    "only the start is reported interrupted");
            assertEquals(RunStatus.FAILED, ledger.latest("p", "dws", "20240301").orElseThrow().status());
            assertEquals(RunStatus.FAILED, ledger.run("20240301-100000-eeee").get(0).status(), "now in the history too");
            LedgerEntry completed = ledger.latest("p", "dws", "20240302").orElseThrow();
            assertEquals(RunStatus.DONE, completed.status(), "the end the history holds is completed, not failed");
            assertEquals(7, completed.rowsWritten());
            assertTrue(ledger.entries().stream().noneMatch(e -> e.status() == RunStatus.RUNNING));
        }
    }

    @Test
    void manyCommitsLeaveFewFilesToRead() throws Exception {
        try (Lake lake = lake()) {
            Ledger ledger = new Ledger(lake).open();
            LocalDateTime t = LocalDateTime.of(2024, 3, 1, 10, 0);
            for (int i = 0; i < 3 * LedgerTables.COMPACT_EVERY; i++) {
                String run = String.format("20240301-10%04d-0000", i);
                ledger.record(List.of(entry(run, "dws", String.format("2024030%d", 1 + i % 5), RunStatus.DONE, t.plusMinutes(i))));
            }
            for (Identifier id : List.of(Identifier.create("weir", LedgerTables.LOG_NAME),
                    Identifier.create("weir", LedgerTables.STATE_NAME))) {
                int files = dataFiles((FileStoreTable) lake.catalog().getTable(id));
                assertTrue(files <= LedgerTables.COMPACT_EVERY + 1, id + " holds " + files + " data files after "
                        + 3 * LedgerTables.COMPACT_EVERY + " commits");
            }
            assertEquals(5, ledger.latestByPartition("p", "dws").size());
            assertEquals(String.format("20240301-10%04d-0000", 3 * LedgerTables.COMPACT_EVERY - 1),
                    ledger.latest("p", "dws", "20240305").orElseThrow().runId());
            assertEquals(3 * LedgerTables.COMPACT_EVERY, ledger.entries().size());
        }
    }

    private static int dataFiles(FileStoreTable table) {
        int files = 0;
        for (var split : table.newReadBuilder().newScan().plan().splits()) {
            files += ((DataSplit) split).dataFiles().size();
        }
        return files;
    }

    @Test
    void aLedgerOfAnOlderWeirIsMovedOnFirstOpen() throws Exception {
        try (Lake lake = lake()) {
            Identifier legacy = Identifier.create("weir", "runs");
            lake.catalog().createDatabase("weir", true);
            lake.catalog().createTable(legacy, Schema.newBuilder()
                    .column("run_id", DataTypes.STRING().notNull()).column("table_name", DataTypes.STRING().notNull())
                    .column("partition_value", DataTypes.STRING().notNull()).column("pipeline", DataTypes.STRING())
                    .column("layer", DataTypes.STRING()).column("mode", DataTypes.STRING())
                    .column("window_start", DataTypes.STRING()).column("window_end", DataTypes.STRING())
                    .column("sql_hash", DataTypes.STRING()).column("upstream", DataTypes.STRING())
                    .column("rows_written", DataTypes.BIGINT()).column("status", DataTypes.STRING())
                    .column("error", DataTypes.STRING()).column("started_at", DataTypes.TIMESTAMP(3))
                    .column("finished_at", DataTypes.TIMESTAMP(3)).column("retry_of", DataTypes.STRING())
                    .primaryKey("run_id", "table_name", "partition_value").option("bucket", "1").build(), false);
            BatchWriteBuilder builder = lake.catalog().getTable(legacy).newBatchWriteBuilder();
            List<GenericRow> rows = new ArrayList<>();
            for (String[] r : new String[][] {{"20230101-000000-0001", "FAILED", "2023-01-01T00:00"},
                    {"20230102-000000-0002", "DONE", "2023-01-02T00:00"}}) {
                rows.add(GenericRow.of(s(r[0]), s("dws"), s("20230101"), s("p"), s("dws"), s("backfill"), s("2023-01-01"),
                        s("2023-01-01"), s("h"), s("{}"), 3L, s(r[1]), null,
                        Timestamp.fromLocalDateTime(LocalDateTime.parse(r[2])), null, null));
            }
            try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
                for (GenericRow row : rows) {
                    write.write(row);
                }
                commit.commit(write.prepareCommit());
            }

            Ledger ledger = new Ledger(lake).open();
            assertEquals(2, ledger.entries().size());
            assertEquals("20230102-000000-0002", ledger.latest("p", "dws", "20230101").orElseThrow().runId());
            assertFalse(lake.catalog().listTables("weir").contains("runs"), "moved, so it is not moved twice");
            assertTrue(lake.catalog().listTables("weir").contains(LedgerTables.LEGACY_MOVED_NAME));
        }
    }

    private static BinaryString s(String value) {
        return BinaryString.fromString(value);
    }
}
