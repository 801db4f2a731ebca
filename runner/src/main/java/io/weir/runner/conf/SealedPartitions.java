package io.weir.runner.conf;

/**
 * Who owns a partition of a layer's table once it has sealed (every upstream watermark passed its
 * end) and been rebuilt in batch.
 */
public enum SealedPartitions {
    /** Batch when the layer's stream job holds state (aggregates, regular joins, TOP-N, dedup). */
    AUTO,
    /** Batch: the stream's later writes into a sealed, batch-built partition are dropped. */
    BATCH,
    /** The stream: it keeps writing every partition (right for stateless layers such as ODS copies). */
    STREAM
}
