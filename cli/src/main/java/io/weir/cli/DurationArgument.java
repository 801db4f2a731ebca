package io.weir.cli;

import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

import java.time.Duration;

/** Parses durations as Flink does: 30s, 10 min, 2h. */
final class DurationArgument implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 30s or 10min");
        }
    }
}
