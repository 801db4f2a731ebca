package io.weir.runner.serving;

import io.weir.runner.Plugins;

/** The serving kinds on the class path, by {@link ServingKind#type()}. */
public final class ServingKinds {

    private static final Plugins<ServingKind> KINDS = Plugins.load(ServingKind.class, ServingKind::type);

    private ServingKinds() {}

    /** The kind of that type; {@code null} when none has it (the conf loader names the known ones). */
    public static ServingKind find(String type) {
        return KINDS.find(type);
    }

    public static String known() {
        return KINDS.known();
    }
}
