package io.weir.runner.conf;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secret values a pipeline conf resolved from the environment or files. Anything shown to a
 * user passes through {@link #mask(String)}, so a secret never reaches the terminal or a log.
 */
public final class Secrets {

    public static final String MASK = "******";

    private final Set<String> values = new LinkedHashSet<>();

    void add(String value) {
        if (value != null && !value.isEmpty()) {
            values.add(value);
        }
    }

    public Set<String> values() {
        return Collections.unmodifiableSet(values);
    }

    /**
     * Replaces each secret where it stands as a value of its own. An occurrence inside a longer word
     * is left: a short password such as {@code x} would otherwise turn {@code txn} into
     * {@code t******n} and make every message unreadable, while a secret in a message is always
     * delimited (quoted, after {@code =} or {@code :}, before {@code @}). Longer secrets go first,
     * so one that contains another is masked whole.
     */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String value : values.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            masked = standalone(value).matcher(masked).replaceAll(Matcher.quoteReplacement(MASK));
        }
        return masked;
    }

    private static Pattern standalone(String value) {
        String before = isWordChar(value.charAt(0)) ? "(?<![\\p{L}\\p{N}_])" : "";
        String after = isWordChar(value.charAt(value.length() - 1)) ? "(?![\\p{L}\\p{N}_])" : "";
        return Pattern.compile(before + Pattern.quote(value) + after);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
