package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Where a layer's streaming job keeps its checkpoints and savepoints, and which of them the next
 * start resumes from: the newest completed savepoint or retained checkpoint.
 */
public final class LayerState {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LayerState.class);
    private static final String METADATA = "_metadata";

    private final Path root;

    public LayerState(PipelineConf conf, LayerConf layer) {
        this(conf, layer.name());
    }

    /** The state of a streaming job by its name: a layer's, or a table's serving sync ({@code serve_<table>}). */
    public LayerState(PipelineConf conf, String job) {
        String stateDir = conf.flink().stateDir();
        this.root = new Path(stateDir.endsWith("/") ? stateDir : stateDir + "/", conf.name() + "/" + job);
    }

    /** Takes the layer's stream lock: one streaming job per layer. */
    StreamLock lockStream(String layer) {
        return StreamLock.acquire(layer, root.toString());
    }

    public String checkpointsDir() {
        return new Path(root, "checkpoints").toString();
    }

    public String savepointsDir() {
        return new Path(root, "savepoints").toString();
    }

    /** Per job id, the SQL hash of the job, so a restore point can tell which SQL its state belongs to. */
    private static final String SQL_DIR = "sql";

    /** Notes the SQL hash of a job before it is submitted under {@code jobId}. */
    void recordSql(org.apache.flink.api.common.JobID jobId, String sqlHash) {
        Path file = new Path(new Path(root, SQL_DIR), jobId.toHexString());
        try {
            FileSystem fs = root.getFileSystem();
            try (java.io.OutputStream out = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
                out.write(sqlHash.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * The SQL hash of the job that wrote the newest restore point; empty when that job's hash was
     * not noted (an older Weir) or there is no restore point. A checkpoint lies under its job's id,
     * a savepoint's name starts with the id's first six digits.
     */
    Optional<String> savedSql() {
        Optional<String> point = latestRestorePoint();
        if (point.isEmpty()) {
            return Optional.empty();
        }
        Path dir = new Path(point.get());
        String name = dir.getName();
        String jobPrefix = name.startsWith("savepoint-") ? name.substring("savepoint-".length()).split("-")[0]
                : dir.getParent().getName();
        try {
            FileSystem fs = root.getFileSystem();
            Path sql = new Path(root, SQL_DIR);
            if (jobPrefix.isEmpty() || !fs.exists(sql)) {
                return Optional.empty();
            }
            java.util.Set<String> hashes = new java.util.HashSet<>();
            for (FileStatus file : fs.listStatus(sql)) {
                if (file.getPath().getName().startsWith(jobPrefix)) {
                    try (java.io.InputStream in = fs.open(file.getPath())) {
                        hashes.add(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
                    }
                }
            }
            // Two jobs whose ids share the savepoint's six digits and ran other SQL: unknown, not a guess.
            return hashes.size() == 1 ? Optional.of(hashes.iterator().next()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + new Path(root, SQL_DIR), e);
        }
    }

    /** When the layer's stream last started without state, reading its upstream tables whole. */
    private static final String FRESH_START = "fresh-start";

    /**
     * Notes that a job of the layer starts now without state. Its sources read every upstream table
     * whole as of now; from then on they skip overwrites, so a batch rebuild of an input after this
     * instant never reaches the stream's state.
     */
    public void recordFreshStart(Instant at) {
        Path file = new Path(root, FRESH_START);
        try {
            try (java.io.OutputStream out = root.getFileSystem().create(file, FileSystem.WriteMode.OVERWRITE)) {
                out.write(at.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Since when the layer's stream state has been built, as far as the state dir tells: the last
     * start without state; {@link Instant#MIN} when the layer streamed (it has a restore
     * point) but its start was not noted (an older Weir); empty when it never streamed here.
     */
    public Optional<Instant> streamingSince() {
        Path file = new Path(root, FRESH_START);
        try {
            FileSystem fs = root.getFileSystem();
            if (fs.exists(file)) {
                try (java.io.InputStream in = fs.open(file)) {
                    return Optional.of(Instant.parse(
                            new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()));
                }
            }
        } catch (IOException | java.time.format.DateTimeParseException e) {
            // Unknown is taken as "streamed all along": it may list a partition too many, never one too few.
            LOG.warn("cannot read {}: {}", file, e.toString());
            return Optional.of(Instant.MIN);
        }
        return latestRestorePoint().map(point -> Instant.MIN);
    }

    /** The newest restore point, if the layer ran before. */
    public Optional<String> latestRestorePoint() {
        try {
            FileSystem fs = root.getFileSystem();
            Candidate best = null;
            // savepoints/savepoint-xxxx/_metadata
            best = newest(fs, new Path(savepointsDir()), 1, best);
            // checkpoints/<job id>/chk-N/_metadata
            best = newest(fs, new Path(checkpointsDir()), 2, best);
            return Optional.ofNullable(best).map(c -> c.dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list state of " + root, e);
        }
    }

    private static Candidate newest(FileSystem fs, Path dir, int depth, Candidate best) throws IOException {
        if (!fs.exists(dir)) {
            return best;
        }
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return best;
        }
        for (FileStatus child : children) {
            if (!child.isDir()) {
                continue;
            }
            if (depth > 1) {
                best = newest(fs, child.getPath(), depth - 1, best);
                continue;
            }
            Path metadata = new Path(child.getPath(), METADATA);
            if (fs.exists(metadata)) {
                long time = fs.getFileStatus(metadata).getModificationTime();
                if (best == null || time > best.time) {
                    best = new Candidate(child.getPath(), time);
                }
            }
        }
        return best;
    }

    private record Candidate(Path dir, long time) {}
}
