package io.weir.runner.conf;

import io.weir.runner.WeirException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects every problem of one conf file so the user can fix them in one pass. */
final class ConfErrors {

    private final Path file;
    private final List<String> messages = new ArrayList<>();

    ConfErrors(Path file) {
        this.file = file;
    }

    void add(String key, String message) {
        messages.add(file + ": " + key + ": " + message);
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
