package io.weir.runner.conf;

import java.util.Map;

/**
 * The Paimon warehouse holding every layer's table.
 *
 * @param database the layers' tables
 * @param ledgerDatabase Weir's own tables: the ledger, seals, upgrades, verifications and staging
 */
public record WarehouseConf(String uri, String database, Map<String, String> options, String ledgerDatabase) {

    public static final String DEFAULT_LEDGER_DATABASE = "weir";

    public WarehouseConf(String uri, String database, Map<String, String> options) {
        this(uri, database, options, DEFAULT_LEDGER_DATABASE);
    }
}
