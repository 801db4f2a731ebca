package io.weir.runner.conf;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How a layer's table is partitioned by time: column, value pattern and granularity. */
public record PartitionSpec(String column, String pattern, Granularity granularity) {

    private static final LocalDateTime PROBE = LocalDateTime.of(2023, 2, 15, 13, 0);

    /** Formatters by pattern: a scheduler names thousands of partitions per tick. */
    private static final java.util.Map<String, DateTimeFormatter> FORMATTERS = new java.util.concurrent.ConcurrentHashMap<>();

    public DateTimeFormatter formatter() {
        DateTimeFormatter cached = FORMATTERS.get(pattern);
        if (cached != null) {
            return cached;
        }
        DateTimeFormatter formatter = new DateTimeFormatterBuilder()
                .appendPattern(pattern)
                .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
                .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
                .toFormatter();
        FORMATTERS.put(pattern, formatter);
        return formatter;
    }

    public String format(LocalDateTime time) {
        return formatter().format(granularity.truncate(time));
    }

    public Partition partitionOf(LocalDateTime time) {
        LocalDateTime start = granularity.truncate(time);
        return new Partition(format(start), start, granularity.next(start));
    }

    /** Every partition whose span lies within the days [from, to]. */
    public List<Partition> partitions(LocalDate from, LocalDate toInclusive) {
        List<Partition> result = new ArrayList<>();
        LocalDateTime end = toInclusive.plusDays(1).atStartOfDay();
        for (LocalDateTime t = from.atStartOfDay(); t.isBefore(end); t = granularity.next(t)) {
            result.add(partitionOf(t));
        }
        return result;
    }

    /**
     * Why this pattern cannot name partitions of this granularity, if it cannot: it must parse,
     * give one value per partition, tell adjacent partitions apart and sort in time order (the
     * templates compare partition values as strings).
     */
    public Optional<String> problem() {
        DateTimeFormatter formatter;
        try {
            formatter = formatter();
        } catch (IllegalArgumentException e) {
            return Optional.of("'" + pattern + "' is not a date-time pattern: " + e.getMessage());
        }
        LocalDateTime start = granularity.truncate(PROBE);
        LocalDateTime next = granularity.next(start);
        String first;
        try {
            first = formatter.format(start);
            if (!formatter.format(start.plusMinutes(59)).equals(first)
                    || (granularity == Granularity.DAY && !formatter.format(start.plusHours(23)).equals(first))) {
                return Optional.of("'" + pattern + "' is finer than one " + granularity.name().toLowerCase()
                        + ": one partition would get several values");
            }
            String second = formatter.format(next);
            if (second.equals(first)) {
                return Optional.of("'" + pattern + "' is coarser than one " + granularity.name().toLowerCase()
                        + ": adjacent partitions get the same value");
            }
            String later = formatter.format(LocalDateTime.of(2024, 11, 9, 1, 0));
            if (second.compareTo(first) <= 0 || later.compareTo(first) <= 0) {
                return Optional.of("'" + pattern + "' does not sort in time order (use e.g. yyyyMMdd)");
            }
            if (!LocalDateTime.parse(first, formatter).equals(start)) {
                return Optional.of("'" + pattern + "' does not read back the time it wrote");
            }
        } catch (java.time.DateTimeException e) {
            return Optional.of("'" + pattern + "' cannot name partitions: " + e.getMessage());
        }
        return Optional.empty();
    }
}
