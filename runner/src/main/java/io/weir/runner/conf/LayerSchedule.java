package io.weir.runner.conf;

import java.time.Duration;
import java.time.LocalDate;

/**
 * When a layer's batch form runs by itself: a Quartz cron expression (UTC), how far every upstream
 * watermark must be past a partition's end first, and the first day to build.
 */
public record LayerSchedule(String cron, Duration allowedLateness, LocalDate startDate) {}
