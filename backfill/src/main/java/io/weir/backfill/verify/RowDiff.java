package io.weir.backfill.verify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Compares two sets of rows of one partition by key: rows equal, differing (same key, other
 * values), missing (expected but absent) and extra (present but not expected), with a few samples
 * of each. A table without a primary key is compared by whole rows, as multisets.
 */
public final class RowDiff {

    /** Samples kept per kind of difference. */
    static final int SAMPLES = 3;

    private RowDiff() {}

    /**
     * @param expected the authoritative rows (a batch recomputation, or the lake for serving)
     * @param actual the rows checked against them
     * @param key the key columns; empty to compare whole rows
     */
    public static PartitionDiff of(String partition, List<Map<String, Object>> expected, List<Map<String, Object>> actual,
            List<String> key, List<String> columns) {
        Map<String, List<Map<String, Object>>> want = byKey(expected, key, columns);
        Map<String, List<Map<String, Object>>> have = byKey(actual, key, columns);
        long equal = 0;
        long differing = 0;
        long missing = 0;
        long extra = 0;
        List<String> samples = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, Object>>> e : want.entrySet()) {
            List<Map<String, Object>> got = have.getOrDefault(e.getKey(), List.of());
            int n = e.getValue().size();
            int m = got.size();
            int paired = Math.min(n, m);
            for (int i = 0; i < paired; i++) {
                if (sameValues(e.getValue().get(i), got.get(i), columns)) {
                    equal++;
                } else {
                    differing++;
                    sample(samples, "differs " + e.getKey() + ": expected " + show(e.getValue().get(i), columns)
                            + ", found " + show(got.get(i), columns));
                }
            }
            if (n > m) {
                missing += n - m;
                sample(samples, "missing " + e.getKey() + ": " + show(e.getValue().get(m), columns));
            }
            if (m > n) {
                extra += m - n;
                sample(samples, "extra " + e.getKey() + ": " + show(got.get(n), columns));
            }
        }
        for (Map.Entry<String, List<Map<String, Object>>> e : have.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                extra += e.getValue().size();
                sample(samples, "extra " + e.getKey() + ": " + show(e.getValue().get(0), columns));
            }
        }
        return new PartitionDiff(partition, equal, differing, missing, extra, samples);
    }

    private static void sample(List<String> samples, String line) {
        if (samples.size() < SAMPLES * 3) {
            samples.add(line);
        }
    }

    private static Map<String, List<Map<String, Object>>> byKey(List<Map<String, Object>> rows, List<String> key,
            List<String> columns) {
        Map<String, List<Map<String, Object>>> result = new TreeMap<>();
        List<String> keyColumns = key.isEmpty() ? columns : key;
        for (Map<String, Object> row : rows) {
            Map<String, Object> keyValues = new LinkedHashMap<>();
            keyColumns.forEach(c -> keyValues.put(c, normalize(row.get(c))));
            result.computeIfAbsent(keyValues.toString(), k -> new ArrayList<>()).add(row);
        }
        return result;
    }

    private static boolean sameValues(Map<String, Object> a, Map<String, Object> b, List<String> columns) {
        for (String c : columns) {
            if (!Objects.equals(normalize(a.get(c)), normalize(b.get(c)))) {
                return false;
            }
        }
        return true;
    }

    /** Values from Paimon and from JDBC compared alike: numbers by value, times as local date-times. */
    static Object normalize(Object value) {
        if (value instanceof BigDecimal) {
            BigDecimal d = ((BigDecimal) value).stripTrailingZeros();
            return d.compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : d.toPlainString();
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) value).toLocalDateTime();
        }
        return value;
    }

    private static String show(Map<String, Object> row, List<String> columns) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < columns.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(columns.get(i)).append('=').append(row.get(columns.get(i)));
        }
        return out.append(')').toString();
    }

    /** How one partition compares. */
    public record PartitionDiff(String partition, long equal, long differing, long missing, long extra,
            List<String> samples) {
        public boolean same() {
            return differing == 0 && missing == 0 && extra == 0;
        }
    }
}
