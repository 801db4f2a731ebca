package io.weir.runner.lake;

import org.apache.paimon.Snapshot;
import org.apache.paimon.manifest.FileKind;
import org.apache.paimon.manifest.SimpleFileEntry;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.source.ScanMode;
import org.apache.paimon.utils.SnapshotManager;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per table and partition, the newest snapshot whose overwrite removed files of that partition: a
 * dropped, truncated or emptied partition has no file left to date its change by. Each snapshot is
 * read once; later calls read only the snapshots committed since. Removals in snapshots that
 * expired before they were first read are not known.
 */
public final class PartitionRemovals {

    private final Lake lake;
    private final Map<String, Scanned> tables = new ConcurrentHashMap<>();

    public PartitionRemovals(Lake lake) {
        this.lake = lake;
    }

    /** The newest overwrite that removed files of a partition. */
    public record Removal(long snapshotId, long timeMillis) {}

    /** Partition value to the newest overwrite that removed files from it. */
    public Map<String, Removal> of(String tableName) {
        if (!lake.tableExists(tableName)) {
            return Map.of();
        }
        Scanned scanned = tables.computeIfAbsent(tableName, t -> new Scanned());
        synchronized (scanned) {
            scanned.catchUp(lake.table(tableName));
            return Map.copyOf(scanned.removedAt);
        }
    }

    private static final class Scanned {
        private long upTo = 0;
        private final Map<String, Removal> removedAt = new HashMap<>();

        void catchUp(FileStoreTable table) {
            if (table.partitionKeys().isEmpty()) {
                return;
            }
            SnapshotManager snapshots = table.snapshotManager();
            Long latest = snapshots.latestSnapshotId();
            Long earliest = snapshots.earliestSnapshotId();
            if (latest == null || earliest == null) {
                return;
            }
            for (long id = Math.max(upTo + 1, earliest); id <= latest; id++) {
                Snapshot snapshot;
                try {
                    snapshot = snapshots.snapshot(id);
                } catch (RuntimeException expiredMeanwhile) {
                    continue;
                }
                if (snapshot.commitKind() == Snapshot.CommitKind.OVERWRITE) {
                    record(table, snapshot);
                }
            }
            upTo = latest;
        }

        private void record(FileStoreTable table, Snapshot snapshot) {
            for (SimpleFileEntry entry : table.store().newScan().withSnapshot(snapshot).withKind(ScanMode.DELTA)
                    .readSimpleEntries()) {
                if (entry.kind() == FileKind.DELETE) {
                    removedAt.put(entry.partition().getString(0).toString(),
                            new Removal(snapshot.id(), snapshot.timeMillis()));
                }
            }
        }
    }
}
