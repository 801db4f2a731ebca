package io.weir.runner.source;

import java.time.Instant;
import java.util.Optional;

/**
 * One read of a template's source table: which table, how many readers, and for a backfill the
 * time range of the partitions it rebuilds.
 *
 * @param table the template's name for the source table
 * @param slot distinct for every source table that may read at the same time
 * @param bounded the partitions' span [start, end) when the read must finish (a backfill); empty for a stream
 */
public record SourceRead(String table, int parallelism, int slot, Optional<Span> bounded) {

    /** A span of time, start inclusive, end exclusive, in UTC. */
    public record Span(Instant start, Instant end) {}
}
