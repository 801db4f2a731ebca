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
    private List<LedgerEntry> recent;
    private long recentVersion = -1;
    private int recentCount;

    LedgerState(Ledger ledger, String pipeline) {
        this.ledger = ledger;
        this.pipeline = pipeline;
    }

    /**
     * Re-reads what changed since the last refresh: the tables whose state took a commit since, or
     * everything when that history is gone. A tick or a page refresh after one scheduled run then
     * reads one table's states, not the whole ledger.
     */
    synchronized LedgerState refresh() {
        long current = ledger.version();
        if (current != version) {
            // A version that went back is a ledger dropped and made again: nothing read before holds.
            java.util.Optional<java.util.Set<String>> changed = version <= 0 || current <= version
                    ? java.util.Optional.empty() : ledger.tablesChangedSince(pipeline, version);
            if (changed.isPresent()) {
                Map<String, Map<String, LedgerEntry>> updated = new java.util.HashMap<>(latest);
                for (String table : changed.get()) {
                    updated.put(table, ledger.latestByPartition(pipeline, table));
                }
                latest = updated;
            } else {
                latest = ledger.states(pipeline);
            }
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

    /**
     * The entries of the newest {@code runs} runs of this pipeline, oldest first: read from the log
     * again only when the log took a commit since.
     */
    synchronized List<LedgerEntry> recentRuns(int runs) {
        // The log's own version: a run's start commits the state first and the log after it.
        long logVersion = ledger.logVersion();
        if (recent == null || recentVersion != logVersion || recentCount != runs) {
            recent = ledger.recent(pipeline, e -> true,
                    found -> found.stream().map(LedgerEntry::runId).distinct().count() >= runs);
            recentVersion = logVersion;
            recentCount = runs;
        }
        return recent;
    }

    /** The ledger's version as of the last {@link #refresh()}. */
    synchronized long version() {
        return version;
    }

    Ledger ledger() {
        return ledger;
    }
}
