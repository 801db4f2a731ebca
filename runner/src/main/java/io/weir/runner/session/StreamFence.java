package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SealedPartitions;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;

import java.time.Duration;

/**
 * Whether a layer's stream keeps out of partitions batch owns ({@code layers[i].sealed-partitions}):
 * always for {@code batch}, never for {@code stream} or an unpartitioned layer, and for {@code auto}
 * when its streaming job holds state that a backfill would leave stale.
 */
public final class StreamFence {

    private StreamFence() {}

    /** Decides with the plain stream form already set up in {@code tEnv}. */
    public static boolean applies(LayerConf layer, TableEnvironment tEnv, RenderedLayer plainStream) {
        if (!layer.partitioned() || layer.sealedPartitions() == SealedPartitions.STREAM) {
            return false;
        }
        return layer.sealedPartitions() == SealedPartitions.BATCH
                || StatefulPlan.isStateful(tEnv, plainStream.inserts());
    }

    /** Decides knowing whether the layer's plain stream form keeps state. */
    static boolean applies(LayerConf layer, boolean stateful) {
        return layer.partitioned() && (layer.sealedPartitions() == SealedPartitions.BATCH
                || layer.sealedPartitions() == SealedPartitions.AUTO && stateful);
    }

    /** Decides by planning the layer's stream form on the session (no job runs). */
    public static boolean applies(LayerConf layer, FlinkSession session, Renderer renderer) {
        if (!layer.partitioned() || layer.sealedPartitions() != SealedPartitions.AUTO) {
            return layer.partitioned() && layer.sealedPartitions() == SealedPartitions.BATCH;
        }
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.STREAMING, new Configuration());
        RenderedLayer plain = renderer.stream(layer);
        plain.setupStatements().forEach(tEnv::executeSql);
        return applies(layer, tEnv, plain);
    }

    /**
     * How long after a partition is sealed a running stream may still commit rows for it: its lookup
     * of the seals table refreshes once per discovery interval (the checkpoint interval), and a row
     * that passed just before is committed at the next checkpoint.
     */
    public static Duration delay(PipelineConf conf) {
        return conf.flink().checkpointInterval().multipliedBy(3).plusSeconds(1);
    }
}
