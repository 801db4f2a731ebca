package io.weir.backfill;

import java.time.LocalDate;
import java.util.List;

/** A backfill run: its id and window, and the layers it rebuilds in dependency order. */
public record BackfillPlan(String runId, String mode, LocalDate from, LocalDate to, List<LayerPlan> layers, String retryOf) {

    public int partitionCount() {
        return layers.stream().mapToInt(LayerPlan::partitionCount).sum();
    }
}
