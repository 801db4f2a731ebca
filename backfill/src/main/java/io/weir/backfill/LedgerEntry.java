package io.weir.backfill;

import java.time.LocalDateTime;

/**
 * One run of one partition of one table: what ran (mode, window, SQL hash), what it read (upstream
 * snapshots and watermarks), and how it ended.
 *
 * @param partition the partition value; "" for an unpartitioned table
 * @param windowStart first day of the run's whole window (yyyy-MM-dd), kept for retries
 */
public record LedgerEntry(
        String runId,
        String table,
        String partition,
        String pipeline,
        String layer,
        String mode,
        String windowStart,
        String windowEnd,
        String sqlHash,
        String upstream,
        long rowsWritten,
        RunStatus status,
        String error,
        LocalDateTime startedAt,
        LocalDateTime finishedAt,
        String retryOf,
        Lease lease) {

    /** Oldest first: by start, then run and partition. */
    public static final java.util.Comparator<LedgerEntry> CHRONOLOGICAL = java.util.Comparator
            .comparing(LedgerEntry::startedAt, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
            .thenComparing(LedgerEntry::runId).thenComparing(LedgerEntry::partition);

    public LedgerEntry(String runId, String table, String partition, String pipeline, String layer, String mode,
            String windowStart, String windowEnd, String sqlHash, String upstream, long rowsWritten, RunStatus status,
            String error, LocalDateTime startedAt, LocalDateTime finishedAt, String retryOf) {
        this(runId, table, partition, pipeline, layer, mode, windowStart, windowEnd, sqlHash, upstream, rowsWritten,
                status, error, startedAt, finishedAt, retryOf, null);
    }

    /** A RUNNING entry whose building process is gone: it will never finish by itself. */
    public boolean interrupted(java.time.Instant now) {
        return status == RunStatus.RUNNING && (lease == null ? new Lease(null, null) : lease)
                .expired(now, startedAt == null ? null : startedAt.toInstant(java.time.ZoneOffset.UTC));
    }

    public LedgerEntry withLease(Lease newLease) {
        return new LedgerEntry(runId, table, partition, pipeline, layer, mode, windowStart, windowEnd, sqlHash,
                upstream, rowsWritten, status, error, startedAt, finishedAt, retryOf, newLease);
    }

    public LedgerEntry withUpstream(String newUpstream) {
        return new LedgerEntry(runId, table, partition, pipeline, layer, mode, windowStart, windowEnd, sqlHash,
                newUpstream, rowsWritten, status, error, startedAt, finishedAt, retryOf, lease);
    }

    public LedgerEntry finished(RunStatus newStatus, long rows, String newError, LocalDateTime at) {
        return new LedgerEntry(runId, table, partition, pipeline, layer, mode, windowStart, windowEnd, sqlHash,
                upstream, rows, newStatus, newError, startedAt, at, retryOf, lease);
    }
}
