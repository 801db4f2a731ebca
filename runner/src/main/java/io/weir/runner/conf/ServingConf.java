package io.weir.runner.conf;

import io.weir.runner.serving.ServingKind;
import io.weir.runner.serving.ServingKinds;
import io.weir.runner.serving.ServingStore;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where results are served (the {@code serving} section): a store of the kind {@code type}
 * names, and the lake tables kept there. Each kind reads its own keys: {@code endpoint},
 * {@code database} and {@code schema} for Hologres, {@code url} for JDBC.
 */
public record ServingConf(
        String type,
        String endpoint,
        String url,
        String database,
        String schema,
        String username,
        String password,
        List<String> tables,
        Path embeddedDir,
        int embeddedPort,
        Map<String, String> options) {

    /** The kind of store; the loader has checked that {@code type} names one. */
    public ServingKind kind() {
        ServingKind kind = ServingKinds.find(type);
        if (kind == null) {
            throw new IllegalStateException("no serving kind '" + type + "' (known: " + ServingKinds.known() + ")");
        }
        return kind;
    }

    public boolean embedded() {
        return kind().embedded();
    }

    public ServingStore store(Secrets secrets) {
        return kind().store(this, secrets);
    }

    public ServingConf withEndpoint(String newEndpoint, String newUsername, String newPassword) {
        return new ServingConf(type, newEndpoint, url, database, schema, newUsername, newPassword, tables, embeddedDir,
                embeddedPort, options);
    }

    public ServingConf withEmbedded(Path dir, int port) {
        return new ServingConf(type, endpoint, url, database, schema, username, password, tables, dir, port, options);
    }

    public ServingConf withDatabase(String newDatabase) {
        return new ServingConf(type, endpoint, url, newDatabase, schema, username, password, tables, embeddedDir,
                embeddedPort, options);
    }

    /** How messages name a serving table: where it is, never with credentials. */
    public String describe(String table) {
        return kind().describe(this, table);
    }
}
