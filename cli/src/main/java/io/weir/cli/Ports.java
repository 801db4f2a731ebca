package io.weir.cli;

import io.weir.runner.WeirException;

/** Port options of the commands that start servers. */
final class Ports {

    private Ports() {}

    /** A port is checked before anything starts: 0 picks a free one. */
    static void check(String option, Integer port) {
        if (port != null && (port < 0 || port > 65535)) {
            throw WeirException.badInput(option + " must be between 0 and 65535, got " + port);
        }
    }
}
