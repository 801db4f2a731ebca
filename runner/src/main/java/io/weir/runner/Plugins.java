package io.weir.runner;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Implementations of a plug-in interface found on the class path ({@code META-INF/services}) and
 * looked up by identifier, as Paimon finds its actions and Flink its connectors.
 */
public final class Plugins<T> {

    private final Map<String, T> byIdentifier;

    private Plugins(Map<String, T> byIdentifier) {
        this.byIdentifier = byIdentifier;
    }

    public static <T> Plugins<T> load(Class<T> type, Function<T, String> identifier) {
        Map<String, T> found = new TreeMap<>();
        for (T plugin : ServiceLoader.load(type, type.getClassLoader())) {
            T before = found.put(identifier.apply(plugin), plugin);
            if (before != null) {
                throw new IllegalStateException("two " + type.getSimpleName() + "s named '" + identifier.apply(plugin)
                        + "': " + before.getClass().getName() + " and " + plugin.getClass().getName());
            }
        }
        return new Plugins<>(Collections.unmodifiableMap(found));
    }

    /** The one with that identifier; {@code null} when none has it. */
    public T find(String identifier) {
        return byIdentifier.get(identifier);
    }

    /** The identifiers, sorted, for messages that list the known ones. */
    public String known() {
        return String.join(", ", byIdentifier.keySet());
    }

    public Collection<T> all() {
        return byIdentifier.values();
    }
}
