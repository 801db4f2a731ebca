package io.weir.runner.health;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A system the pipeline's jobs depend on outside Flink (the source database, the serving store),
 * probed by connecting to it: a connector retries an outage quietly, so Weir asks for itself.
 */
public record Endpoint(String name, String jdbcUrl, String user, String password) {

    private static final int TIMEOUT_SECONDS = 3;

    /** The conf's source and serving store, where it has them. */
    public static List<Endpoint> of(PipelineConf conf) {
        List<Endpoint> endpoints = new ArrayList<>();
        conf.sources().forEach(s -> s.kind().probeUrl(s, TIMEOUT_SECONDS)
                .ifPresent(url -> endpoints.add(new Endpoint(s.kind().label(s), url, s.username(), s.password()))));
        conf.serving().ifPresent(s -> endpoints.add(serving(s)));
        return endpoints;
    }

    private static Endpoint serving(ServingConf s) {
        return new Endpoint("serving " + s.kind().label(s), s.kind().probeUrl(s, TIMEOUT_SECONDS), s.username(),
                s.password());
    }

    /** Empty when it answers; otherwise why not, in the driver's first line (the caller masks secrets). */
    public Optional<String> problem() {
        Properties props = new Properties();
        props.setProperty("user", user == null ? "" : user);
        props.setProperty("password", password == null ? "" : password);
        try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
            return c.isValid(TIMEOUT_SECONDS) ? Optional.empty() : Optional.of("the connection is not valid");
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            return Optional.of(message.lines().findFirst().orElse(message));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
