package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;
import io.weir.sandbox.EmbeddedPostgres;
import io.weir.sandbox.HologresEmulation;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The embedded serving store: a real PostgreSQL (binaries from Maven Central) with the Hologres
 * emulation installed, so the Hologres connector writes to it unchanged.
 */
final class EmbeddedServing implements AutoCloseable {

    /** The local store's password when the conf gives none; it listens on 127.0.0.1 only. */
    private static final String LOCAL_PASSWORD = "weir";

    private final PipelineConf conf;
    private final EmbeddedPostgres postgres;

    private EmbeddedServing(PipelineConf conf, EmbeddedPostgres postgres) {
        this.conf = conf;
        this.postgres = postgres;
    }

    /** Starts the server when the conf's serving type is 'embedded'; otherwise returns null. */
    static EmbeddedServing startIfEmbedded(PipelineConf conf) {
        ServingConf serving = conf.serving().orElse(null);
        if (serving == null || !serving.embedded()) {
            return null;
        }
        EmbeddedPostgres postgres = EmbeddedPostgres.start(serving.embeddedDir(), serving.embeddedPort());
        String password = serving.password().isEmpty() ? LOCAL_PASSWORD : serving.password();
        try {
            postgres.createDatabase(serving.database());
            postgres.createUser(serving.username(), password);
            try (Connection c = postgres.connect(serving.database())) {
                HologresEmulation.install(c);
            }
        } catch (SQLException | RuntimeException e) {
            postgres.close();
            throw new WeirException(WeirException.JOB_FAILURE, "embedded PostgreSQL: cannot prepare the serving store: "
                    + e.getMessage(), e);
        }
        return new EmbeddedServing(conf.withServing(serving.withEndpoint("127.0.0.1:" + postgres.port(),
                serving.username(), password)), postgres);
    }

    /** The pipeline conf pointing at the running server. */
    PipelineConf conf() {
        return conf;
    }

    int port() {
        return postgres.port();
    }

    @Override
    public void close() {
        postgres.close();
    }
}
