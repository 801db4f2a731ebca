package io.weir.runner.conf;

import io.weir.runner.source.SourceKind;
import io.weir.runner.source.SourceKinds;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the ODS layers read (the {@code source} section): a source of the kind {@code type} names,
 * today MySQL through Flink CDC, or the embedded MariaDB.
 */
public record SourceConf(
        String type,
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
        double embeddedOrdersPerSecond,
        String bootstrapServers,
        String groupIdPrefix,
        String pipeline,
        String name) {

    /** The kind of source; the loader has checked that {@code type} names one. */
    public SourceKind kind() {
        SourceKind kind = SourceKinds.find(type);
        if (kind == null) {
            throw new IllegalStateException("no source kind '" + type + "' (known: " + SourceKinds.known() + ")");
        }
        return kind;
    }

    public boolean embedded() {
        return kind().embedded();
    }

    /** The same source with the embedded server kept elsewhere. */
    public SourceConf withEmbedded(Path dir, int port, double ordersPerSecond) {
        return new SourceConf(type, hostname, this.port, database, username, password, serverIdStart,
                serverTimeZone, options, dir, port, ordersPerSecond, bootstrapServers, groupIdPrefix, pipeline, name);
    }

    /** The same source at another address: the embedded server is only known once started. */
    public SourceConf at(String newHostname, int newPort) {
        return new SourceConf(type, newHostname, newPort, database, username, password, serverIdStart,
                serverTimeZone, options, embeddedDir, embeddedPort, embeddedOrdersPerSecond, bootstrapServers,
                groupIdPrefix, pipeline, name);
    }
}
