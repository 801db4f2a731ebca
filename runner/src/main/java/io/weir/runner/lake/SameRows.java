package io.weir.runner.lake;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pairs of {@link PartitionFiles#digest() digests} of one partition proven to hold the same rows:
 * no commit but compactions came between them. Since a digest names exact files, such a proof holds
 * for good, so a compacted partition is checked against the table's history once, not on every
 * tick until that history expires. The newest proofs are kept, up to a bound.
 */
public final class SameRows {

    private static final int KEPT = 100_000;

    private final Map<String, Boolean> proven = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > KEPT;
        }
    };

    public synchronized boolean proven(String table, String partition, String before, String after) {
        return proven.get(key(table, partition, before, after)) != null; // get, not containsKey: it keeps a used proof
    }

    public synchronized void prove(String table, String partition, String before, String after) {
        proven.put(key(table, partition, before, after), Boolean.TRUE);
    }

    private static String key(String table, String partition, String before, String after) {
        return table + '\u0000' + partition + '\u0000' + before + '\u0000' + after;
    }
}
