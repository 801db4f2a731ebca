package io.weir.runner.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.WeirException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The jobs of a Flink cluster, read from its REST API. */
public final class ClusterJobs {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String webUrl;
    // HTTP/1.1 plainly: the JDK client's h2c upgrade offer on a reused connection can meet a closed
    // one on Flink's REST server ("header parser received no bytes").
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();

    public ClusterJobs(String webUrl) {
        this.webUrl = webUrl;
    }

    /**
     * Checks that the cluster answers, so an unreachable one is one clear line rather than a
     * minute of retries inside a job submission.
     */
    public void checkReachable() {
        get("/overview");
    }

    /** Every job the cluster knows, running or ended. */
    public List<ClusterJob> list() {
        List<ClusterJob> jobs = new ArrayList<>();
        for (JsonNode job : get("/jobs/overview").path("jobs")) {
            String name = job.path("name").asText();
            jobs.add(new ClusterJob(JobID.fromHexString(job.path("jid").asText()), name,
                    JobStatus.valueOf(job.path("state").asText()), Instant.ofEpochMilli(job.path("start-time").asLong()),
                    JobIdentity.parse(name)));
        }
        return jobs;
    }

    /** The active jobs of a pipeline, by their Weir identity. */
    public List<ClusterJob> activeOf(String pipeline) {
        return list().stream().filter(ClusterJob::active)
                .filter(j -> j.identity().map(i -> i.pipeline().equals(pipeline)).orElse(false)).toList();
    }

    /** The root cause of a job's latest failure, if it has one. */
    public Optional<String> rootCause(JobID job) {
        return failureTrace(job).map(trace -> trace.lines().findFirst().orElse(""));
    }

    /** The whole stack trace of a job's latest failure, with its causes, if it has one. */
    public Optional<String> failureTrace(JobID job) {
        JsonNode root = get("/jobs/" + job + "/exceptions").path("root-exception");
        if (root.isMissingNode() || root.isNull() || root.asText().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(root.asText());
    }

    /** The job's last completed checkpoint, restart count and failure root cause. */
    public ClusterJobDetails details(ClusterJob job) {
        JsonNode latest = get("/jobs/" + job.id() + "/checkpoints").path("latest").path("completed");
        Optional<Instant> checkpoint = latest.isObject() && latest.has("latest_ack_timestamp")
                ? Optional.of(Instant.ofEpochMilli(latest.path("latest_ack_timestamp").asLong())) : Optional.empty();
        long restarts = 0;
        for (JsonNode metric : get("/jobs/" + job.id() + "/metrics?get=numRestarts")) {
            restarts = metric.path("value").asLong(0);
        }
        Optional<String> cause = job.state() == JobStatus.RUNNING || job.state() == JobStatus.FINISHED
                ? Optional.empty() : rootCause(job.id());
        Optional<Long> late = job.state() == JobStatus.RUNNING ? lateRecordsDropped(job.id()) : Optional.empty();
        return new ClusterJobDetails(job, checkpoint, restarts, cause, late);
    }

    /** What Flink's event-time windows and OVER windows count as dropped for lateness. */
    private static final String LATE_DROPPED = "numLateRecordsDropped";

    /**
     * How many rows the job's event-time operators dropped for arriving behind their watermark,
     * summed over operators and subtasks since the job (re)started; empty when none of its
     * operators counts them (it has no such operator, or its tasks are not up).
     */
    public Optional<Long> lateRecordsDropped(JobID job) {
        long dropped = 0;
        boolean counted = false;
        for (JsonNode vertex : get("/jobs/" + job).path("vertices")) {
            String metrics = "/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode metric : get(metrics)) {
                String id = metric.path("id").asText();
                if (id.equals(LATE_DROPPED) || id.endsWith("." + LATE_DROPPED)) {
                    ids.add(id);
                }
            }
            for (String id : ids) {
                for (JsonNode value : get(metrics + "?agg=sum&get="
                        + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8))) {
                    dropped += (long) value.path("sum").asDouble(0);
                    counted = true;
                }
            }
        }
        return counted ? Optional.of(dropped) : Optional.empty();
    }

    private JsonNode get(String path) {
        URI uri = URI.create(webUrl + path);
        try {
            HttpResponse<String> response = send(uri);
            if (response.statusCode() != 200) {
                throw WeirException.jobFailed("the Flink cluster at " + webUrl + " answered GET " + path + " with HTTP "
                        + response.statusCode(), null);
            }
            return JSON.readTree(response.body());
        } catch (java.net.ProtocolException e) {
            throw WeirException.jobFailed("the Flink cluster at " + webUrl + " (flink.address) does not answer as"
                    + " Flink's REST API does (" + e.getMessage() + "): name the JobManager's REST port (rest.port,"
                    + " 8081 unless set)", null);
        } catch (IOException e) {
            throw WeirException.jobFailed("cannot reach the Flink cluster at " + webUrl + " (flink.address): "
                    + unreachable(e), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WeirException.jobFailed("interrupted while asking the Flink cluster at " + webUrl, e);
        }
    }

    /** Why a connection failed, in words: the JDK's client often gives a bare exception with no message. */
    private static String unreachable(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host";
            }
            if (t instanceof java.net.ConnectException && (t.getMessage() == null || t.getMessage().isBlank())) {
                return "connection refused (nothing listens there)";
            }
            if (t instanceof java.net.http.HttpConnectTimeoutException || t instanceof java.net.http.HttpTimeoutException) {
                return "no answer within " + TIMEOUT.toSeconds() + " s";
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    /** One GET, asked again once when the connection fails: a kept-alive connection the server closed. */
    private HttpResponse<String> send(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw e;
        } catch (IOException e) {
            Thread.sleep(500);
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
