package io.weir.runner.serving;

import org.apache.paimon.consumer.Consumer;
import org.apache.paimon.fs.Path;
import org.apache.paimon.table.FileStoreTable;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A serving sync job's read position in its lake table: a Paimon consumer, which the job's source
 * records each time a checkpoint completes (every commit before {@code nextSnapshot} is then in the
 * serving store). It also keeps the table's snapshots the job has not read from expiring while the
 * job is stopped, so Weir removes it when the table is no longer served.
 */
final class SyncConsumer {

    private final String id;

    SyncConsumer(String pipeline) {
        this.id = "weir-serving-" + pipeline;
    }

    /**
     * The source options that make the job record its position. Paimon asks for an expiration time
     * with every consumer id; only writers that have it in their own options expire consumers, and
     * Weir's have not, so this one lives until Weir removes it. The at-least-once mode keeps the
     * source Paimon builds without a consumer (the exactly-once mode builds another, whose operators
     * a savepoint of the first does not fit) and records the snapshot its slowest reader is on:
     * a reader takes its next split only after emitting the last, so everything before it has
     * passed the sink by the checkpoint that records it.
     */
    Map<String, String> sourceOptions() {
        return Map.of("consumer-id", id, "consumer.expiration-time", "365 d", "consumer.mode", "at-least-once");
    }

    /** The first snapshot the job has not fully written to serving; empty if it never recorded one. */
    Optional<Long> nextSnapshot(FileStoreTable table) {
        return table.consumerManager().consumer(id).map(Consumer::nextSnapshot);
    }

    /** When the job last recorded its position: it does so at every completed checkpoint. */
    Optional<Instant> lastRecorded(FileStoreTable table) {
        try {
            Path path = new Path(table.location(), "consumer/consumer-" + id);
            return table.fileIO().exists(path)
                    ? Optional.of(Instant.ofEpochMilli(table.fileIO().getFileStatus(path).getModificationTime()))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Forgets the position: a job started without state reads the table whole, and no job pins its snapshots. */
    void remove(FileStoreTable table) {
        table.consumerManager().deleteConsumer(id);
    }
}
