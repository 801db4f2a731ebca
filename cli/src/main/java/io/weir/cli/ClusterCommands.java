package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJob;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import io.weir.runner.session.FlinkSession;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import io.weir.runner.cluster.ClusterJobDetails;
import io.weir.scheduler.StatusReport.JobRow;

/** What weir jobs and weir stop share: the remote cluster and the pipeline's jobs on it. */
final class ClusterCommands {

    private ClusterCommands() {}

    static FlinkSession remoteSession(PipelineConf pipeline, String command) {
        if (pipeline.flink().target() != FlinkTarget.REMOTE) {
            throw WeirException.badInput(command + " works on a Flink cluster (flink.target: remote). The embedded"
                    + " cluster lives inside its weir stream process: Ctrl-C there stops its jobs with savepoints");
        }
        return FlinkSession.start(pipeline.flink());
    }

    /**
     * The pipeline's jobs as rows, by job name and newest first: the running ones and, unless
     * {@code all}, only the newest ended one of each job.
     */
    static List<JobRow> rows(PipelineConf pipeline, FlinkSession session, boolean all) {
        List<ClusterJob> jobs = jobsOf(pipeline, session.jobs().list(), null).stream()
                .sorted(Comparator.comparing((ClusterJob j) -> j.identity().orElseThrow().job())
                        .thenComparing(ClusterJob::start, Comparator.reverseOrder()))
                .toList();
        if (!all) {
            Set<String> seenEnded = new HashSet<>();
            jobs = jobs.stream().filter(j -> j.active() || seenEnded.add(j.identity().orElseThrow().job())).toList();
        }
        return jobs.stream().map(job -> {
            ClusterJobDetails details = session.jobs().details(job);
            return new JobRow(job.identity().orElseThrow().job(), job.state().name(), job.id().toString(),
                    job.start(), details.lastCheckpoint().orElse(null), details.restarts(),
                    job.identity().orElseThrow().sqlHash(), details.rootCause().map(pipeline.secrets()::mask).orElse(""),
                    details.lateRecordsDropped().orElse(null));
        }).toList();
    }

    static String shown(java.time.Instant instant) {
        return instant == null ? "-"
                : io.weir.runner.lake.Closing.show(instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    static void print(List<JobRow> rows, java.io.PrintWriter out) {
        TextTable table = new TextTable("JOB", "STATE", "ID", "STARTED", "LAST CHECKPOINT", "RESTARTS", "LATE DROPPED",
                "SQL", "ROOT CAUSE");
        rows.forEach(r -> table.row(r.job(), r.state(), r.id(), shown(r.started()), shown(r.lastCheckpoint()),
                String.valueOf(r.restarts()), r.lateRowsDropped() == null ? "-" : String.valueOf(r.lateRowsDropped()),
                r.sqlHash(), r.rootCause()));
        table.print(out);
        rows.stream().filter(r -> r.lateRowsDropped() != null && r.lateRowsDropped() > 0).forEach(r -> out.println(
                "note: the " + r.job() + " stream dropped " + r.lateRowsDropped() + " row(s) that came behind its"
                        + " watermark since it started, which a batch build counts: rebuild the partitions they"
                        + " belong to with weir backfill --layer " + r.job() + ", or give " + r.job() + " a schedule."));
    }

    /** The pipeline's jobs, all of them or those of the named layers (or serving syncs, serve_<table>). */
    static List<ClusterJob> jobsOf(PipelineConf pipeline, List<ClusterJob> jobs, List<String> names) {
        if (names != null) {
            for (String name : names) {
                if (!name.startsWith("serve_")) {
                    pipeline.layer(name);
                }
            }
        }
        return jobs.stream().filter(j -> j.identity().map(i -> i.pipeline().equals(pipeline.name())).orElse(false))
                .filter(j -> names == null || names.contains(j.identity().orElseThrow().job())).toList();
    }
}
