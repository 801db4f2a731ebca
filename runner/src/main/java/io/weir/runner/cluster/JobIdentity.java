package io.weir.runner.cluster;

import org.apache.flink.api.common.JobID;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Who a streaming job is: its pipeline, its job (a layer, or a table's serving sync) and a hash of
 * the SQL it runs. It is the job's name on the cluster, so a later {@code weir stream} finds the
 * job again, adopts it when the SQL is the same, and never submits a second copy.
 */
public record JobIdentity(String pipeline, String job, String sqlHash) {

    private static final String PREFIX = "weir";
    private static final String KIND = "stream";
    private static final String HASH_TAG = "sql:";

    /** The identity of {@code job}'s stream running the given statements (secrets already masked). */
    public static JobIdentity of(String pipeline, String job, List<String> statements) {
        return new JobIdentity(pipeline, job, hash(String.join("\n;\n", statements)).substring(0, 12));
    }

    /** The job name on the cluster: {@code weir <pipeline> <job> stream sql:<hash>}. */
    public String jobName() {
        return String.join(" ", PREFIX, pipeline, job, KIND, HASH_TAG + sqlHash);
    }

    /** The identity a job name carries, if Weir gave it. */
    public static Optional<JobIdentity> parse(String jobName) {
        String[] parts = jobName.split(" ");
        if (parts.length != 5 || !parts[0].equals(PREFIX) || !parts[3].equals(KIND) || !parts[4].startsWith(HASH_TAG)) {
            return Optional.empty();
        }
        return Optional.of(new JobIdentity(parts[1], parts[2], parts[4].substring(HASH_TAG.length())));
    }

    public boolean sameJob(JobIdentity other) {
        return pipeline.equals(other.pipeline) && job.equals(other.job);
    }

    /**
     * The fixed job id of a submission: the same identity resumed from the same state gets the same
     * id, so two clients submitting it at once are told apart by the cluster, which refuses the
     * second. {@code attempt} moves past an id a finished job already used.
     */
    public JobID jobId(Optional<String> restorePoint, int attempt) {
        byte[] digest = HexFormat.of().parseHex(hash(jobName() + "\n" + restorePoint.orElse("fresh") + "\n" + attempt));
        ByteBuffer bytes = ByteBuffer.wrap(digest);
        return new JobID(bytes.getLong(), bytes.getLong());
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
