package io.weir.runner.conf;

import io.weir.runner.WeirException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects every problem of one conf file so the user can fix them in one pass. */
final class ConfErrors {

    private final Path file;
    private final List<String> messages;
    private final String keyPrefix;
    private final String shownPrefix;

    ConfErrors(Path file) {
        this(file, new ArrayList<>(), "", "");
    }

    private ConfErrors(Path file, List<String> messages, String keyPrefix, String shownPrefix) {
        this.file = file;
        this.messages = messages;
        this.keyPrefix = keyPrefix;
        this.shownPrefix = shownPrefix;
    }

    /**
     * The same collection, naming keys that start with {@code keyPrefix} as the conf spells them:
     * a named source is checked as a {@code source} section and reported as {@code sources.<name>}.
     */
    ConfErrors naming(String keyPrefix, String shownPrefix) {
        return new ConfErrors(file, messages, keyPrefix, shownPrefix);
    }

    void add(String key, String message) {
        String shown = !keyPrefix.isEmpty() && key.startsWith(keyPrefix) ? shownPrefix + key.substring(keyPrefix.length()) : key;
        String line = file + ": " + shown + ": " + message;
        // A key read twice is one problem, and a key refused for its shape is not "required" as well.
        boolean alreadyRefused = message.startsWith("required")
                && messages.stream().anyMatch(m -> m.startsWith(file + ": " + shown + ": "));
        if (!messages.contains(line) && !alreadyRefused) {
            messages.add(line);
        }
    }

    /** How many problems are collected so far, to tell whether a key just read added one. */
    int count() {
        return messages.size();
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    void throwIfAny() {
        if (!messages.isEmpty()) {
            throw WeirException.badInput(String.join("\n", messages));
        }
    }
}
