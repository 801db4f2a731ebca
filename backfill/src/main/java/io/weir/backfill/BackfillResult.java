package io.weir.backfill;

import java.util.List;

/** How a backfill ended: partitions rebuilt, partitions failed (with why), rows written. */
public record BackfillResult(String runId, int partitionsDone, int partitionsFailed, long rowsWritten,
        List<String> failures) {

    public boolean succeeded() {
        return partitionsFailed == 0;
    }
}
