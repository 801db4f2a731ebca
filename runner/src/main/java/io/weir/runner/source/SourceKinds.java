package io.weir.runner.source;

import io.weir.runner.Plugins;

/** The source kinds on the class path, by {@link SourceKind#type()}. */
public final class SourceKinds {

    private static final Plugins<SourceKind> KINDS = Plugins.load(SourceKind.class, SourceKind::type);

    private SourceKinds() {}

    /** The kind of that type; {@code null} when none has it (the conf loader names the known ones). */
    public static SourceKind find(String type) {
        return KINDS.find(type);
    }

    public static String known() {
        return KINDS.known();
    }

    /** Whether a template table with these options is one a source kind completes. */
    public static boolean completes(java.util.Map<String, String> tableOptions) {
        String connector = tableOptions.get("connector");
        return connector != null && KINDS.all().stream()
                .anyMatch(k -> k.connectors().contains(connector) && k.completes(tableOptions));
    }
}
