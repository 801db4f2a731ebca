package io.weir.runner.conf;

import java.util.Map;

/** The Paimon warehouse holding every layer's table. */
public record WarehouseConf(String uri, String database, Map<String, String> options) {}
