package io.weir.runner.conf;

import io.weir.runner.WeirException;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Optional;

/**
 * A half-open span of time [from, until) that names whole partitions of a layer, as the user gave
 * it on the command line: a day ({@code 2024-03-02}), an hour ({@code 2024-03-02 05:00}) or the
 * layer's own partition value ({@code 2024030205}). {@code --from} is the first partition,
 * {@code --to} the last one, both included, so {@code --to 2024-03-02} reaches the day's last hour.
 */
public record PartitionRange(LocalDateTime from, LocalDateTime until) {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu-MM-dd")
            .withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("uuuu-MM-dd[ ]['T']HH:mm")
            .withResolverStyle(ResolverStyle.STRICT);

    public PartitionRange {
        if (!from.isBefore(until)) {
            throw new IllegalArgumentException("empty range " + from + ".." + until);
        }
    }

    /** The most partitions one command rebuilds, verifies or syncs at once (a stated limit). */
    public static final int MAX_PARTITIONS = 10_000;

    /**
     * Refuses a range that reaches before the pipeline's start-date: nothing is built there, so what a
     * command would write for those partitions is nothing.
     */
    public PartitionRange requireFromStart(PipelineConf conf) {
        java.time.LocalDateTime start = conf.startDate().atStartOfDay();
        if (from.isBefore(start)) {
            throw WeirException.badInput((until.isAfter(start) ? "--from " + firstDay() + " is before" : "the range " + this
                    + " ends before") + " pipeline.start-date " + conf.startDate() + " of " + conf.file()
                    + ": nothing is built before it");
        }
        return this;
    }

    /** Refuses a range that names more than {@link #MAX_PARTITIONS} partitions of the layer. */
    public PartitionRange requireBounded(LayerConf layer) {
        long partitions = layer.partition().map(spec -> spec.count(this)).orElse(1L);
        if (partitions > MAX_PARTITIONS) {
            throw WeirException.badInput("the range " + this + " holds " + partitions + " partitions of layer '"
                    + layer.name() + "'; one command handles at most " + MAX_PARTITIONS + ": split the range");
        }
        return this;
    }

    public static PartitionRange ofDays(LocalDate from, LocalDate toInclusive) {
        return new PartitionRange(from.atStartOfDay(), toInclusive.plusDays(1).atStartOfDay());
    }

    /** The first day the range touches. */
    public LocalDate firstDay() {
        return from.toLocalDate();
    }

    /** The last day the range touches. */
    public LocalDate lastDay() {
        return until.minusNanos(1).toLocalDate();
    }

    /** Whether the range is whole days, as a plain date range gives. */
    public boolean wholeDays() {
        return from.equals(from.toLocalDate().atStartOfDay()) && until.equals(until.toLocalDate().atStartOfDay());
    }

    @Override
    public String toString() {
        return wholeDays() ? (firstDay().equals(lastDay()) ? firstDay().toString() : firstDay() + ".." + lastDay())
                : show(from) + ".." + show(until.minusHours(1));
    }

    private static String show(LocalDateTime time) {
        return time.toLocalDate() + " " + time.toLocalTime();
    }

    /**
     * Resolves {@code --from}/{@code --to} values for a layer; a value that is not a day, an hour or
     * one of the layer's partition values, or is finer than the layer's partitions, is refused with
     * the option that holds it.
     *
     * @param fromOption the option's name for messages, e.g. {@code --from}
     */
    public static PartitionRange parse(LayerConf layer, String fromOption, String fromValue, String toOption,
            String toValue) {
        LocalDateTime from = bound(layer, fromOption, fromValue).from();
        LocalDateTime until = bound(layer, toOption, toValue).until();
        if (!from.isBefore(until)) {
            throw WeirException.badInput(fromOption + " " + fromValue + " is after " + toOption + " " + toValue);
        }
        return new PartitionRange(from, until);
    }

    /** The span one value names: a day, or one partition of the layer. */
    private static PartitionRange bound(LayerConf layer, String option, String value) {
        String text = value.strip();
        Optional<PartitionSpec> spec = layer.partition();
        LocalDateTime hour = parseHour(text);
        if (hour != null) {
            if (spec.isEmpty() || spec.get().granularity() != Granularity.HOUR) {
                throw WeirException.badInput(option + " '" + value + "' names an hour, but layer '" + layer.name()
                        + "' has " + (spec.isEmpty() ? "no partitions" : "daily partitions")
                        + ": give a day yyyy-MM-dd" + spec.map(s -> " or a partition value like "
                        + s.format(LocalDateTime.of(2024, 3, 2, 0, 0))).orElse(""));
            }
            if (hour.getMinute() != 0) {
                throw WeirException.badInput(option + " '" + value + "' is not at the start of an hour: give yyyy-MM-dd HH:00");
            }
            return new PartitionRange(hour, hour.plusHours(1));
        }
        LocalDate day = parseDay(text);
        if (day != null) {
            return ofDays(day, day);
        }
        if (spec.isPresent()) {
            Optional<Partition> partition = spec.get().parse(text);
            if (partition.isPresent()) {
                return new PartitionRange(partition.get().start(), partition.get().end());
            }
        }
        throw WeirException.badInput(option + " '" + value + "' is not a day yyyy-MM-dd"
                + (spec.filter(s -> s.granularity() == Granularity.HOUR).isPresent()
                        ? ", an hour yyyy-MM-dd HH:00" : "")
                + spec.map(s -> " or a partition value of layer '" + layer.name() + "' (" + s.pattern() + ", e.g. "
                        + s.format(LocalDateTime.of(2024, 3, 2, 5, 0)) + ")").orElse(""));
    }

    private static LocalDateTime parseHour(String text) {
        try {
            return inCalendar(LocalDateTime.parse(text, HOUR).toLocalDate()) != null ? LocalDateTime.parse(text, HOUR) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate parseDay(String text) {
        try {
            return inCalendar(LocalDate.parse(text, DAY));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Partition values and their spans are four-digit years; a date outside them is not one a warehouse holds. */
    private static LocalDate inCalendar(LocalDate day) {
        return day.getYear() >= 1 && day.getYear() <= 9999 ? day : null;
    }
}
