package io.weir.scheduler;

import io.weir.backfill.Ledger;
import io.weir.backfill.LedgerEntry;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The current ledger state of every (table, partition) of a pipeline, re-read only when the ledger changed. */
final class LedgerState {

    private final Ledger ledger;
    private final String pipeline;
    private long version = -1;
    private Map<String, Map<String, LedgerEntry>> latest = Map.of();

    LedgerState(Ledger ledger, String pipeline) {
        this.ledger = ledger;
        this.pipeline = pipeline;
    }

    synchronized LedgerState refresh() {
        long current = ledger.version();
        if (current != version) {
            latest = ledger.states(pipeline);
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

    /** The entries of the newest {@code runs} runs of this pipeline, oldest first. */
    List<LedgerEntry> recentRuns(int runs) {
        return ledger.recent(pipeline, e -> true, found -> found.stream().map(LedgerEntry::runId).distinct().count() >= runs);
    }

    Ledger ledger() {
        return ledger;
    }
}
