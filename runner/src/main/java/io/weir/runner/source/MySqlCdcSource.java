package io.weir.runner.source;

import io.weir.runner.conf.SourceConf;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code source.type: mysql}: a MySQL (or MariaDB) server read through Flink CDC's
 * {@code mysql-cdc} connector: a snapshot, then the binlog. A backfill reads a bounded snapshot,
 * which the connector only runs as a streaming job with checkpoints, so it goes through staging.
 */
public class MySqlCdcSource implements SourceKind {

    @Override
    public String type() {
        return "mysql";
    }

    @Override
    public String connector() {
        return "mysql-cdc";
    }

    @Override
    public Set<String> keys() {
        return Set.of("hostname", "port", "database", "username", "password", "server-id-start", "server-time-zone");
    }

    @Override
    public void validate(SourceConf conf, BiConsumer<String, String> problem) {
        if (conf.database() == null || conf.database().isBlank()) {
            problem.accept("source.database", "required: the MySQL database of the business tables");
        }
        try {
            java.time.ZoneId.of(conf.serverTimeZone());
        } catch (java.time.DateTimeException e) {
            problem.accept("source.server-time-zone", "expected a time zone such as UTC or Asia/Shanghai, got '"
                    + conf.serverTimeZone() + "'");
        }
    }

    @Override
    public Map<String, String> tableOptions(SourceConf conf, SourceRead read) {
        Map<String, String> added = new LinkedHashMap<>();
        added.put("hostname", conf.hostname());
        added.put("port", String.valueOf(conf.port()));
        added.put("username", conf.username());
        added.put("password", conf.password());
        added.put("database-name", conf.database());
        added.put("server-time-zone", conf.serverTimeZone());
        // MySQL drops the older of two binlog clients with the same server id.
        int first = conf.serverIdStart() + read.slot() * read.parallelism();
        added.put("server-id", first + "-" + (first + read.parallelism() - 1));
        if (read.bounded().isPresent()) {
            added.put("scan.startup.mode", "snapshot");
        }
        return added;
    }

    @Override
    public boolean stagesBoundedReads() {
        return true;
    }

    @Override
    public String upstreamRecord(SourceConf conf) {
        return "mysql:" + conf.database();
    }

    @Override
    public String label(SourceConf conf) {
        return "source " + conf.hostname() + ":" + conf.port() + "/" + conf.database();
    }

    @Override
    public Optional<String> probeUrl(SourceConf conf, int timeoutSeconds) {
        if (conf.hostname() == null) {
            return Optional.empty();
        }
        return Optional.of("jdbc:mysql://" + conf.hostname() + ":" + conf.port() + "/" + conf.database()
                + "?useSSL=false&allowPublicKeyRetrieval=true&connectTimeout=" + timeoutSeconds * 1000
                + "&socketTimeout=" + timeoutSeconds * 1000);
    }
}
