package io.weir.backfill;

import io.weir.runner.conf.PartitionRange;

import java.time.LocalDate;

/**
 * What the user asked for.
 *
 * @param batchSize partitions per Flink job
 * @param concurrency jobs at a time
 * @param force rebuild partitions the ledger shows done with the same SQL
 * @param allowOpen rebuild partitions whose upstream watermark has not passed their end
 */
public record BackfillRequest(
        String layer, PartitionRange range, boolean cascade, int batchSize, int concurrency,
        boolean force, boolean allowOpen) {

    /** A request of whole days [from, to]. */
    public BackfillRequest(String layer, LocalDate from, LocalDate to, boolean cascade, int batchSize, int concurrency,
            boolean force, boolean allowOpen) {
        this(layer, days(from, to), cascade, batchSize, concurrency, force, allowOpen);
    }

    private static PartitionRange days(LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            throw io.weir.runner.WeirException.badInput("--from " + from + " is after --to " + to);
        }
        return PartitionRange.ofDays(from, to);
    }

    /** Default batch size: the whole range in one job (see the backfill benchmark in the README). */
    public static final int DEFAULT_BATCH_SIZE = 31;
}
