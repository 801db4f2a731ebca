package io.weir.runner.source;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One read of a template's source table: which table, how many readers, and for a backfill the
 * time range of the partitions it rebuilds.
 *
 * @param table the template's name for the source table
 * @param connector the table's {@code 'connector'}
 * @param slot distinct for every source table that may read at the same time
 * @param bounded the partitions' span [start, end) when the read must finish (a backfill); empty for a stream
 * @param columns the physical columns the template declares for the table (none known: empty)
 */
public record SourceRead(String table, String connector, int parallelism, int slot, Optional<Span> bounded,
        List<String> columns) {

    public SourceRead {
        java.util.Objects.requireNonNull(connector, "connector");
        columns = List.copyOf(columns);
    }

    public SourceRead(String table, String connector, int parallelism, int slot, Optional<Span> bounded) {
        this(table, connector, parallelism, slot, bounded, List.of());
    }

    /** A span of time, start inclusive, end exclusive, in UTC. */
    public record Span(Instant start, Instant end) {}
}
