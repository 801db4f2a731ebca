package io.weir.cli;

import sun.misc.Signal;

/**
 * Turns Ctrl-C and SIGTERM into a stop request instead of an exit, so running jobs can be
 * stopped with savepoints before the process ends.
 */
final class StopSignal {

    private volatile boolean requested;

    static StopSignal install(Runnable onSignal) {
        StopSignal stop = new StopSignal();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                stop.requested = true;
                onSignal.run();
            });
        }
        return stop;
    }

    boolean requested() {
        return requested;
    }
}
