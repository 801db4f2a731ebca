package io.weir.runner.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves {@code ${env:NAME}} and {@code ${file:PATH}} references in a conf value. The resolved
 * value is recorded as a secret; a missing variable or file is an error naming the conf key.
 */
final class SecretReference {

    private static final String OPEN = "${";

    private final Map<String, String> environment;
    private final Path baseDir;
    private final Secrets secrets;

    SecretReference(Map<String, String> environment, Path baseDir, Secrets secrets) {
        this.environment = environment;
        this.baseDir = baseDir;
        this.secrets = secrets;
    }

    String resolve(String key, String value, ConfErrors errors) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int open = value.indexOf(OPEN, from);
            if (open < 0) {
                out.append(value, from, value.length());
                return out.toString();
            }
            int close = value.indexOf('}', open);
            if (close < 0) {
                errors.add(key, "unclosed '${' in value");
                return value;
            }
            out.append(value, from, open);
            out.append(lookup(key, value.substring(open + 2, close), errors));
            from = close + 1;
        }
    }

    private String lookup(String key, String reference, ConfErrors errors) {
        int colon = reference.indexOf(':');
        String kind = colon < 0 ? "" : reference.substring(0, colon);
        String name = colon < 0 ? reference : reference.substring(colon + 1);
        switch (kind) {
            case "env": {
                String resolved = environment.get(name);
                if (resolved == null) {
                    errors.add(key, "environment variable " + name + " is not set");
                    return "";
                }
                secrets.add(resolved);
                return resolved;
            }
            case "file": {
                Path path = baseDir.resolve(name);
                try {
                    String resolved = Files.readString(path, StandardCharsets.UTF_8).strip();
                    secrets.add(resolved);
                    return resolved;
                } catch (IOException e) {
                    errors.add(key, "cannot read secret file " + path + " (" + e.getClass().getSimpleName() + ")");
                    return "";
                }
            }
            default:
                errors.add(key, "unknown reference '${" + reference + "}': expected ${env:NAME} or ${file:PATH}");
                return "";
        }
    }
}
