package io.weir.runner.cluster;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@code weir jobs} shows of a job beyond its listing: its checkpoints, restarts and failure,
 * and the rows its event-time operators dropped as late since it started (empty when none counts them).
 */
public record ClusterJobDetails(ClusterJob job, Optional<Instant> lastCheckpoint, long restarts,
        Optional<String> rootCause, Optional<Long> lateRecordsDropped) {}
