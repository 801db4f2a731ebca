package io.weir.runner.conf;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;

/**
 * When a layer's batch form runs by itself: a Quartz cron expression (UTC), how far every upstream
 * watermark must be past a partition's end first, and the first and (optionally) last day to build.
 */
public record LayerSchedule(String cron, Duration allowedLateness, LocalDate startDate, Optional<LocalDate> endDate) {

    public LayerSchedule(String cron, Duration allowedLateness, LocalDate startDate) {
        this(cron, allowedLateness, startDate, Optional.empty());
    }

    /** The end of the last partition the scheduler builds, if the schedule ends. */
    public Optional<java.time.LocalDateTime> until() {
        return endDate.map(d -> d.plusDays(1).atStartOfDay());
    }
}
