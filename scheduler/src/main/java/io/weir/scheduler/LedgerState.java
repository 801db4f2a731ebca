package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The newest ledger entry of every (table, partition), re-read only when the ledger changed. */
final class LedgerState {

    private final Ledger ledger;
    private final String pipeline;
    private long version = -1;
    private List<LedgerEntry> entries = List.of();
    private Map<String, Map<String, LedgerEntry>> latest = Map.of();

    LedgerState(Ledger ledger, String pipeline) {
        this.ledger = ledger;
        this.pipeline = pipeline;
    }

    synchronized LedgerState refresh() {
        long current = ledger.version();
        if (current != version) {
            List<LedgerEntry> all = ledger.entries().stream().filter(e -> pipeline.equals(e.pipeline())).toList();
            Map<String, Map<String, LedgerEntry>> byTable = new HashMap<>();
            for (LedgerEntry e : all) {
                byTable.computeIfAbsent(e.table(), t -> new HashMap<>()).put(e.partition(), e);
            }
            entries = all;
            latest = byTable;
            version = current;
        }
        return this;
    }

    synchronized Optional<LedgerEntry> latest(String table, String partition) {
        return Optional.ofNullable(latest.getOrDefault(table, Map.of()).get(partition));
    }

    synchronized Map<String, LedgerEntry> latestByPartition(String table) {
        return latest.getOrDefault(table, Map.of());
    }

    /** Every entry of this pipeline, oldest first. */
    synchronized List<LedgerEntry> entries() {
        return entries;
    }

    Ledger ledger() {
        return ledger;
    }
}
