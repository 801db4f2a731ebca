package io.weir.runner.conf;

import java.time.LocalDateTime;

/** One partition of a layer: its value in the partition column and the half-open span [start, end). */
public record Partition(String value, LocalDateTime start, LocalDateTime end) {}
