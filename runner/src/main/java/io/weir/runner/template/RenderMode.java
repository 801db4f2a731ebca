package io.weir.runner.template;

/** The two ways Weir runs a layer's SQL. */
public enum RenderMode {
    /** INSERT INTO as one continuous streaming job over the whole time range. */
    STREAM,
    /** INSERT OVERWRITE of exactly the partitions of a date range, as a batch job. */
    BATCH
}
