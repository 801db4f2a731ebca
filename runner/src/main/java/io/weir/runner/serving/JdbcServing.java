package io.weir.runner.serving;

import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code serving.type: jdbc}: a MySQL-protocol store (TiDB, MySQL, MariaDB) given by a
 * {@code jdbc:mysql://host:port/database} URL, written by Flink's JDBC connector, whose MySQL
 * dialect upserts with {@code INSERT … ON DUPLICATE KEY UPDATE} and deletes by key.
 */
public final class JdbcServing implements ServingKind {

    static final String PREFIX = "jdbc:mysql://";

    /** The parts of the URL Weir needs: where, and which database. */
    record Url(String hostAndPort, String database) {

        static Url parse(String url) {
            if (url == null || !url.startsWith(PREFIX)) {
                throw new IllegalArgumentException("expected " + PREFIX + "host:port/database, got "
                        + (url == null ? "nothing" : "'" + withoutQuery(url) + "'"));
            }
            try {
                URI uri = new URI(url.substring("jdbc:".length()));
                String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
                if (uri.getHost() == null || database.isEmpty() || database.contains("/")) {
                    throw new IllegalArgumentException("expected " + PREFIX + "host:port/database, got '"
                            + withoutQuery(url) + "'");
                }
                return new Url(uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()), database);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a URL (" + e.getReason() + "): '" + withoutQuery(url) + "'");
            }
        }

        /** The query may carry credentials: messages never show it. */
        static String withoutQuery(String url) {
            int query = url.indexOf('?');
            return query < 0 ? url : url.substring(0, query) + "?…";
        }
    }

    @Override
    public String type() {
        return "jdbc";
    }

    @Override
    public Set<String> keys() {
        return Set.of("url", "username", "password");
    }

    @Override
    public void validate(ServingConf conf, BiConsumer<String, String> problem) {
        try {
            Url.parse(conf.url());
        } catch (IllegalArgumentException e) {
            problem.accept("serving.url", "type 'jdbc' " + e.getMessage());
        }
    }

    @Override
    public Map<String, String> sinkOptions(ServingConf conf, String table) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("connector", "jdbc");
        options.put("url", conf.url());
        options.put("table-name", table);
        options.put("username", conf.username());
        options.put("password", conf.password());
        return options;
    }

    @Override
    public ServingStore store(ServingConf conf, Secrets secrets) {
        return new MySqlStore(conf, secrets);
    }

    @Override
    public String probeUrl(ServingConf conf, int timeoutSeconds) {
        String url = conf.url();
        return url + (url.contains("?") ? "&" : "?") + "connectTimeout=" + timeoutSeconds * 1000
                + "&socketTimeout=" + timeoutSeconds * 1000;
    }

    @Override
    public String describe(ServingConf conf, String table) {
        Url url = Url.parse(conf.url());
        return "serving table " + url.database() + "." + table + " at " + url.hostAndPort();
    }

    @Override
    public String label(ServingConf conf) {
        Url url = Url.parse(conf.url());
        return "JDBC (MySQL protocol) " + url.hostAndPort() + "/" + url.database();
    }
}
