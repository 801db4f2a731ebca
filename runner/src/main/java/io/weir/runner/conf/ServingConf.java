package io.weir.runner.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Where the DWS results are served (the {@code serving} section): a Hologres endpoint and the tables kept there. */
public record ServingConf(
        WeirOptions.ServingType type,
        String endpoint,
        String database,
        String schema,
        String username,
        String password,
        List<String> tables,
        Path embeddedDir,
        int embeddedPort,
        Map<String, String> options) {

    public ServingConf withEndpoint(String newEndpoint, String newUsername, String newPassword) {
        return new ServingConf(type, newEndpoint, database, schema, newUsername, newPassword, tables, embeddedDir,
                embeddedPort, options);
    }

    public ServingConf withEmbedded(Path dir, int port) {
        return new ServingConf(type, endpoint, database, schema, username, password, tables, dir, port, options);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + endpoint + "/" + database;
    }

    /** How messages name a serving table: schema.table at endpoint/database, never with credentials. */
    public String describe(String table) {
        return "serving table " + schema + "." + table + " at " + endpoint + "/" + database;
    }
}
