package io.weir.runner;

import io.weir.runner.lake.Lake;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

/** A DWS table as key -> total for one partition, for comparing with expected figures. */
public final class Totals {

    private Totals() {}

    public static Map<String, BigDecimal> of(Lake lake, String table, String keyColumn, String ds) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        if (!lake.tableExists(table)) {
            return totals;
        }
        for (Map<String, Object> row : lake.rows(table)) {
            if (ds.equals(row.get("ds"))) {
                totals.put(String.valueOf(row.get(keyColumn)), (BigDecimal) row.get("paied_buy_fee_sum"));
            }
        }
        return totals;
    }

    /** Every partition's totals: partition -> key -> total. */
    public static Map<String, Map<String, BigDecimal>> byPartition(Lake lake, String table, String keyColumn) {
        Map<String, Map<String, BigDecimal>> totals = new TreeMap<>();
        if (!lake.tableExists(table)) {
            return totals;
        }
        for (Map<String, Object> row : lake.rows(table)) {
            totals.computeIfAbsent(String.valueOf(row.get("ds")), d -> new TreeMap<>())
                    .put(String.valueOf(row.get(keyColumn)), (BigDecimal) row.get("paied_buy_fee_sum"));
        }
        return totals;
    }

    public static Map<String, BigDecimal> expected(Object... keyAndTotal) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (int i = 0; i < keyAndTotal.length; i += 2) {
            totals.put(String.valueOf(keyAndTotal[i]), new BigDecimal((String) keyAndTotal[i + 1]));
        }
        return totals;
    }
}
