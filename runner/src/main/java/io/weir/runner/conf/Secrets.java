package io.weir.runner.conf;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

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

    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String value : values) {
            masked = masked.replace(value, MASK);
        }
        return masked;
    }
}
