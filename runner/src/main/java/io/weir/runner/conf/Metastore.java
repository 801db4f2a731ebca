package io.weir.runner.conf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a warehouse's tables are registered ({@code warehouse.metastore.type}), as Paimon catalog
 * options. Both kinds keep the same files under the warehouse directory.
 */
public enum Metastore {

    /** The warehouse directory is the catalog. */
    FILESYSTEM {
        @Override
        public Map<String, String> defaults() {
            return Map.of();
        }

        @Override
        public Map<String, String> required(String uri, String hiveConfDir) {
            return Map.of();
        }
    },

    /** Paimon's HiveCatalog: tables and their partitions registered in a Hive Metastore. */
    HIVE {
        @Override
        public Map<String, String> defaults() {
            Map<String, String> options = new LinkedHashMap<>();
            // Paimon hands these to the metastore client. Its own defaults retry a refused connection
            // nine times and wait 600 s for a metastore that accepts but never answers.
            options.put("hive.metastore.connect.retries", "2");
            options.put("hive.metastore.client.connect.retry.delay", "1s");
            options.put("hive.metastore.client.socket.timeout", "30s");
            return options;
        }

        @Override
        public Map<String, String> required(String uri, String hiveConfDir) {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("metastore", "hive");
            // Without a uri Paimon takes hive.metastore.uris from the conf directory's hive-site.xml.
            if (uri != null) {
                options.put("uri", uri);
            }
            if (hiveConfDir != null) {
                options.put(HIVE_CONF_DIR, hiveConfDir);
            }
            // A table option, not a catalog one: as a plain catalog option Paimon ignores it and
            // registers no partition. As a table default, every table Weir creates takes it.
            options.put("table-default.metastore.partitioned-table", "true");
            return options;
        }
    };

    /** Catalog options a user's {@code warehouse.options} may override. */
    public abstract Map<String, String> defaults();

    /** Catalog options that make the kind what it is; they override {@code warehouse.options}. */
    public abstract Map<String, String> required(String uri, String hiveConfDir);

    /** Paimon's catalog option naming the Hive conf directory. */
    public static final String HIVE_CONF_DIR = "hive-conf-dir";

    /** The catalog options of a warehouse of this kind: defaults, then the user's, then the required ones. */
    public Map<String, String> catalogOptions(Map<String, String> userOptions, String uri, String hiveConfDir) {
        Map<String, String> options = new LinkedHashMap<>(defaults());
        options.putAll(userOptions);
        options.putAll(required(uri, hiveConfDir));
        return options;
    }
}
