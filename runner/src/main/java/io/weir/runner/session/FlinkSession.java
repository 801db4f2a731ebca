package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.cluster.ClusterJobs;
import io.weir.runner.cluster.JobJars;
import io.weir.runner.conf.FlinkConf;
import io.weir.runner.conf.WeirOptions.FlinkTarget;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.client.deployment.ClusterClientJobClientAdapter;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.ClusterClientProvider;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;

/**
 * The one Flink cluster of a Weir process: an in-process MiniCluster (with REST API and web UI)
 * or a remote cluster's REST endpoint. Every job is submitted to it, so no statement pays for
 * starting a cluster of its own.
 */
public final class FlinkSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlinkSession.class);

    private final FlinkConf conf;
    private final MiniCluster miniCluster;
    private final String restHost;
    private final int restPort;
    private final JobJars jobJars;

    private FlinkSession(FlinkConf conf, MiniCluster miniCluster, String restHost, int restPort, JobJars jobJars) {
        this.conf = conf;
        this.miniCluster = miniCluster;
        this.restHost = restHost;
        this.restPort = restPort;
        this.jobJars = jobJars;
    }

    /**
     * The embedded cluster, started here, or the remote one, checked to answer (one clear line when
     * it does not) and given the jars its jobs need.
     */
    public static FlinkSession start(FlinkConf conf) {
        if (conf.target() == FlinkTarget.REMOTE) {
            io.weir.runner.conf.HostPort address = io.weir.runner.conf.HostPort.parse(conf.address());
            JobJars jars = JobJars.resolve(conf.jars());
            FlinkSession session = new FlinkSession(conf, null, address.host(), address.port(), jars);
            session.jobs().checkReachable();
            return session;
        }
        Configuration cluster = new Configuration();
        // Flink's scratch files (its RPC jar, blobs, working dirs) in a directory of this process, so
        // what a killed Weir leaves behind is found and removed by the next one.
        java.nio.file.Path scratch = ScratchDirs.claim();
        cluster.set(org.apache.flink.configuration.CoreOptions.TMP_DIRS, scratch.toString());
        cluster.set(org.apache.flink.configuration.WebOptions.TMP_DIR, scratch.resolve("web").toString());
        cluster.set(RestOptions.ADDRESS, "127.0.0.1");
        cluster.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        cluster.set(RestOptions.BIND_PORT, String.valueOf(conf.webUiPort()));
        cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, conf.taskSlots());
        // Batch aggregations and sorts run in managed memory; the local default (128 MB) spills early.
        cluster.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        cluster.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("128m"));
        cluster.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("128m"));
        conf.options().forEach(cluster::setString);
        MiniCluster miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(cluster)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(conf.taskSlots())
                .build());
        try {
            miniCluster.start();
            URI rest = miniCluster.getRestAddress().get();
            LOG.info("Embedded Flink cluster at {}", rest);
            return new FlinkSession(conf, miniCluster, rest.getHost(), rest.getPort(), null);
        } catch (Exception e) {
            try {
                miniCluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new WeirException(WeirException.JOB_FAILURE, "the embedded Flink cluster did not start (web UI port "
                    + conf.webUiPort() + " taken? set flink.web-ui-port): " + e.getMessage(), e);
        }
    }

    /** The web UI / REST address of the cluster the jobs run on. */
    public String webUrl() {
        return "http://" + restHost + ":" + restPort;
    }

    public boolean embedded() {
        return miniCluster != null;
    }

    /** The cluster's jobs, read from its REST API. */
    public ClusterJobs jobs() {
        return new ClusterJobs(webUrl());
    }

    /** What each job carries to a remote cluster (empty for the embedded one, which has Weir's class path). */
    public java.util.Optional<JobJars> jobJars() {
        return java.util.Optional.ofNullable(jobJars);
    }

    /** A client of a job already on the cluster, e.g. one a previous Weir process submitted. */
    public JobClient attach(JobID job) {
        Configuration client = new Configuration();
        client.set(RestOptions.ADDRESS, restHost);
        client.set(RestOptions.PORT, restPort);
        ClusterClientProvider<StandaloneClusterId> clients = () -> {
            try {
                return new RestClusterClient<>(client, StandaloneClusterId.getInstance());
            } catch (Exception e) {
                throw new IllegalStateException("cannot open a client of " + webUrl() + ": " + e.getMessage(), e);
            }
        };
        return new ClusterClientJobClientAdapter<>(clients, job, FlinkSession.class.getClassLoader());
    }

    /**
     * A table environment whose jobs go to this cluster. Each job gets its own environment, so
     * its configuration (checkpoint directory, savepoint to restore) is its own.
     */
    public StreamTableEnvironment tableEnvironment(RuntimeExecutionMode mode, Configuration jobConf) {
        Configuration configuration = new Configuration();
        configuration.set(DeploymentOptions.TARGET, "remote");
        configuration.set(RestOptions.ADDRESS, restHost);
        configuration.set(RestOptions.PORT, restPort);
        configuration.set(ExecutionOptions.RUNTIME_MODE, mode);
        configuration.set(DeploymentOptions.ATTACHED, true);
        if (jobJars != null) {
            configuration.set(PipelineOptions.JARS, jobJars.jars().stream().map(java.net.URI::toString).toList());
        }
        configuration.addAll(jobConf);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(configuration);
        EnvironmentSettings settings = EnvironmentSettings.newInstance()
                .withConfiguration(configuration)
                .build();
        return StreamTableEnvironment.create(env, settings);
    }

    @Override
    public void close() {
        if (miniCluster != null) {
            try {
                miniCluster.close();
            } catch (Exception e) {
                LOG.warn("Embedded Flink cluster did not stop cleanly", e);
            }
            ScratchDirs.release();
        }
    }
}
