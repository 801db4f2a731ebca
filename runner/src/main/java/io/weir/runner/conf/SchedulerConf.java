package io.weir.runner.conf;

import java.nio.file.Path;
import java.time.Duration;

/** How {@code weir schedule} keeps its triggers and paces its runs (the {@code scheduler} section). */
public record SchedulerConf(
        WeirOptions.SchedulerStore store,
        Path dir,
        String jdbcUrl,
        String username,
        String password,
        Duration pollInterval,
        Duration waitTimeout,
        int maxAttempts,
        Duration retryBackoff,
        int batchSize,
        int maxCatchUp) {}
