package io.weir.runner.cluster;

import java.time.Instant;
import java.util.Optional;

/** What {@code weir jobs} shows of a job beyond its listing: its checkpoints, restarts and failure. */
public record ClusterJobDetails(ClusterJob job, Optional<Instant> lastCheckpoint, long restarts,
        Optional<String> rootCause) {}
