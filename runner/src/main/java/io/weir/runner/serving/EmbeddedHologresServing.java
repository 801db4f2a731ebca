package io.weir.runner.serving;

import io.weir.runner.conf.ServingConf;

import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code serving.type: embedded}: a real PostgreSQL that Weir starts itself, with the Hologres
 * emulation installed, so the Hologres connector writes to it unchanged. Its endpoint is only
 * known once it runs.
 */
public final class EmbeddedHologresServing extends HologresServing {

    @Override
    public String type() {
        return "embedded";
    }

    @Override
    public Set<String> keys() {
        return Set.of("database", "schema", "username", "password", "embedded.dir", "embedded.port");
    }

    @Override
    public void validate(ServingConf conf, BiConsumer<String, String> problem) {
        // The port is checked with the section's other numbers.
    }

    @Override
    public String label(ServingConf conf) {
        return "embedded PostgreSQL with the Hologres emulation, " + conf.endpoint() + "/" + conf.database();
    }

    @Override
    public boolean embedded() {
        return true;
    }
}
