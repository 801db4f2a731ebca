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

    /** Whether the first day to build has not come yet (UTC): a schedule that builds nothing until then. */
    public boolean startsAfter(LocalDate today) {
        return startDate.isAfter(today);
    }

    /** The end of the last partition the scheduler builds, if the schedule ends. */
    public Optional<java.time.LocalDateTime> until() {
        return endDate.map(d -> d.plusDays(1).atStartOfDay());
    }
}
