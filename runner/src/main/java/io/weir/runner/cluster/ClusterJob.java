package io.weir.runner.cluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;

import java.time.Instant;
import java.util.Optional;

/** A job the cluster lists, with the Weir identity its name carries (if any). */
public record ClusterJob(JobID id, String name, JobStatus state, Instant start, Optional<JobIdentity> identity) {

    /** Not finished, cancelled or failed for good: the job still runs, or will again. */
    public boolean active() {
        return !state.isGloballyTerminalState();
    }

    /** Restarting or failing: running in name, but not processing. */
    public boolean troubled() {
        return state == JobStatus.RESTARTING || state == JobStatus.FAILING;
    }
}
