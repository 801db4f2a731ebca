package io.weir.runner.conf;

import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;

/** The time span one partition covers. */
public enum Granularity {
    DAY(ChronoUnit.DAYS),
    HOUR(ChronoUnit.HOURS);

    private final ChronoUnit unit;

    Granularity(ChronoUnit unit) {
        this.unit = unit;
    }

    public LocalDateTime truncate(LocalDateTime time) {
        return time.truncatedTo(unit);
    }

    public LocalDateTime next(LocalDateTime start) {
        return start.plus(1, unit);
    }

    public ChronoUnit unit() {
        return unit;
    }
}
