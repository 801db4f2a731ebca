package io.weir.cli;

import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

import java.time.Duration;

/** Parses durations as Flink does (30s, 10 min, 2h), but only with a unit and only above zero. */
final class DurationArgument implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        Duration duration;
        try {
            duration = TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 30s or 10min");
        }
        if (value.trim().chars().allMatch(Character::isDigit)) {
            throw new CommandLine.TypeConversionException("'" + value + "' has no unit: give " + value.trim() + "s, "
                    + value.trim() + "min or " + value.trim() + "h (without one Flink would read it as milliseconds)");
        }
        if (duration.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is no time at all: give a duration above zero");
        }
        return duration;
    }
}
