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

    /**
     * The partition a value names, if it names one: it must format back to itself, so that neither
     * {@code 20240230} nor a truncated value (nor Paimon's {@code __DEFAULT_PARTITION__}) is taken
     * for a partition.
     */
    public Optional<Partition> parse(String value) {
        try {
            Partition partition = partitionOf(LocalDateTime.parse(value, formatter()));
            return partition.value().equals(value) ? Optional.of(partition) : Optional.empty();
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    /** The partition a value Weir itself wrote names (a ledger's or a seal's); one that names none is a defect. */
    public Partition named(String value) {
        return parse(value).orElseThrow(() -> new IllegalStateException(
                "'" + value + "' is not a partition value of pattern '" + pattern + "'"));
    }

    /** Every partition whose span lies within the days [from, to]. */
    public List<Partition> partitions(LocalDate from, LocalDate toInclusive) {
        return partitions(PartitionRange.ofDays(from, toInclusive));
    }

    /** Every partition whose span overlaps the range. */
    public List<Partition> partitions(PartitionRange range) {
        List<Partition> result = new ArrayList<>();
        for (LocalDateTime t = granularity.truncate(range.from()); t.isBefore(range.until()); t = granularity.next(t)) {
            result.add(partitionOf(t));
        }
        return result;
    }

    /** How many partitions overlap the range, without listing them. */
    public long count(PartitionRange range) {
        LocalDateTime first = granularity.truncate(range.from());
        LocalDateTime last = granularity.truncate(range.until().minusNanos(1));
        return granularity.unit().between(first, last) + 1;
    }

    /**
     * Whether consecutive partitions' values increase as strings, with one width, over the whole
     * calendar of years 1900-9999. The fields of a pattern repeat every year (and every day, for
     * hours), so it is enough to walk every partition of a leap year and a common year, with the
     * century and month boundaries around them, and then every year boundary from 1900 to 9999.
     */
    private Optional<String> orderProblem(DateTimeFormatter formatter) {
        List<LocalDateTime[]> spans = List.of(
                new LocalDateTime[] {LocalDateTime.of(1999, 12, 1, 0, 0), LocalDateTime.of(2001, 2, 1, 0, 0)},
                new LocalDateTime[] {LocalDateTime.of(2099, 12, 1, 0, 0), LocalDateTime.of(2100, 3, 2, 0, 0)});
        int width = formatter.format(LocalDateTime.of(2000, 1, 1, 0, 0)).length();
        for (LocalDateTime[] span : spans) {
            LocalDateTime t = granularity.truncate(span[0]);
            String previous = formatter.format(t);
            for (t = granularity.next(t); t.isBefore(span[1]); t = granularity.next(t)) {
                String value = formatter.format(t);
                Optional<String> problem = pairProblem(previous, value, t, width);
                if (problem.isPresent()) {
                    return problem;
                }
                previous = value;
            }
        }
        for (int year = 1900; year < 9999; year++) {
            LocalDateTime newYear = LocalDateTime.of(year + 1, 1, 1, 0, 0);
            String last = formatter.format(granularity.truncate(newYear.minusMinutes(1)));
            Optional<String> problem = pairProblem(last, formatter.format(newYear), newYear, width);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private Optional<String> pairProblem(String previous, String value, LocalDateTime at, int width) {
        if (value.length() != width || previous.length() != width) {
            return Optional.of("'" + pattern + "' gives values of different lengths ('" + previous + "', '" + value
                    + "'), which do not sort in time order as strings (use e.g. yyyyMMdd)");
        }
        if (value.compareTo(previous) <= 0) {
            return Optional.of("'" + pattern + "' does not sort in time order: '" + value + "' (" + at
                    + ") sorts before '" + previous + "', the partition before it; templates and range backfills"
                    + " compare partition values as strings (use e.g. yyyyMMdd or yyyyMMddHH)");
        }
        return Optional.empty();
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
            Optional<String> unordered = orderProblem(formatter);
            if (unordered.isPresent()) {
                return unordered;
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
