package io.weir.runner.source;

import io.weir.runner.conf.SourceConf;

import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code source.type: embedded}: a real MariaDB that Weir starts itself with the example
 * warehouse's sample rows and an order generator, read through Flink CDC like any MySQL.
 */
public final class EmbeddedMySqlSource extends MySqlCdcSource {

    @Override
    public String type() {
        return "embedded";
    }

    @Override
    public Set<String> keys() {
        return Set.of("hostname", "port", "database", "username", "password", "server-id-start", "server-time-zone",
                "embedded.dir", "embedded.port", "embedded.orders-per-second");
    }

    @Override
    public void validate(SourceConf conf, BiConsumer<String, String> problem) {
        super.validate(conf, problem);
        if (conf.embeddedOrdersPerSecond() < 0) {
            problem.accept("source.embedded.orders-per-second", "expected 0 (none) or more, got "
                    + conf.embeddedOrdersPerSecond());
        }
    }

    /** Weir starts this server itself, after planning: there is nothing to check before. */
    @Override
    public void checkRead(SourceConf conf, java.util.Map<String, String> tableOptions, SourceRead read) {}

    @Override
    public boolean embedded() {
        return true;
    }
}
