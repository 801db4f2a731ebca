package io.weir.runner.conf;

import java.nio.file.Path;
import java.util.Map;

/** The MySQL server the ODS layers read through Flink CDC. */
public record SourceConf(
        WeirOptions.SourceType type,
        String hostname,
        int port,
        String database,
        String username,
        String password,
        int serverIdStart,
        String serverTimeZone,
        Map<String, String> options,
        Path embeddedDir,
        int embeddedPort,
        double embeddedOrdersPerSecond) {

    /** The same source with the embedded server kept elsewhere. */
    public SourceConf withEmbedded(Path dir, int port, double ordersPerSecond) {
        return new SourceConf(type, hostname, this.port, database, username, password, serverIdStart,
                serverTimeZone, options, dir, port, ordersPerSecond);
    }

    /** The same source at another address: the embedded server is only known once started. */
    public SourceConf at(String newHostname, int newPort) {
        return new SourceConf(type, newHostname, newPort, database, username, password, serverIdStart,
                serverTimeZone, options, embeddedDir, embeddedPort, embeddedOrdersPerSecond);
    }
}
