package io.weir.runner;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits for a condition with a deadline, polling; never a fixed sleep. */
public final class Await {

    private Await() {}

    public static void until(Duration timeout, Supplier<Boolean> condition, Supplier<String> state) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (!condition.get()) {
            fail("condition not met within " + timeout + "; last state: " + state.get());
        }
    }
}
