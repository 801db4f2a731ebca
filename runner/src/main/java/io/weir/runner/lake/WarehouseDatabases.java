package io.weir.runner.lake;

import org.apache.paimon.catalog.Catalog;

import java.net.URI;
import java.util.Optional;

/**
 * Where a catalog's databases lie. A Hive Metastore serves many warehouses, and a database in it
 * lies in one of them; a file system catalog's databases all lie in its warehouse.
 */
final class WarehouseDatabases {

    private final Catalog catalog;
    private final URI warehouse;

    WarehouseDatabases(Catalog catalog, String warehouseUri) {
        this.catalog = catalog;
        this.warehouse = new org.apache.paimon.fs.Path(warehouseUri).toUri();
    }

    /**
     * Whether a database is missing, has no location of its own (a file system catalog), or lies under
     * the warehouse: on the same file system (scheme, and host where both name one) and path.
     */
    boolean liesInWarehouse(String name) {
        Optional<String> location = location(name);
        return location.isEmpty() || under(new org.apache.paimon.fs.Path(location.get()).toUri(), warehouse);
    }

    static boolean under(URI at, URI home) {
        if (at.getScheme() != null && home.getScheme() != null && !scheme(at).equals(scheme(home))) {
            return false;
        }
        // A warehouse named hdfs:///wh takes the default name node, which the metastore spells out; a port
        // left out is the default one.
        if (at.getHost() != null && home.getHost() != null && !at.getHost().equalsIgnoreCase(home.getHost())) {
            return false;
        }
        if (at.getPort() >= 0 && home.getPort() >= 0 && at.getPort() != home.getPort()) {
            return false;
        }
        String homePath = home.getPath() == null ? "" : home.getPath().replaceAll("/+$", "");
        return at.getPath() != null && (at.getPath() + "/").startsWith(homePath + "/");
    }

    /** s3, s3a and s3n are three clients of one store. */
    private static String scheme(URI uri) {
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return scheme.equals("s3a") || scheme.equals("s3n") ? "s3" : scheme;
    }

    Optional<String> location(String name) {
        try {
            return Optional.ofNullable(catalog.getDatabase(name).options().get(Catalog.DB_LOCATION_PROP));
        } catch (Catalog.DatabaseNotExistException e) {
            return Optional.empty();
        }
    }
}
