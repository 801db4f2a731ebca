package io.weir.cli;

import picocli.CommandLine;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Parses a yyyy-MM-dd argument, rejecting impossible dates such as 2023-02-30. */
final class DateArgument implements CommandLine.ITypeConverter<LocalDate> {

    @Override
    public LocalDate convert(String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a date yyyy-MM-dd");
        }
    }
}
