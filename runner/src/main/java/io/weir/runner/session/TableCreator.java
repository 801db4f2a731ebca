package io.weir.runner.session;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.template.RenderedLayer;
import io.weir.runner.template.Renderer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;

/** Applies every layer's CREATE TABLE IF NOT EXISTS, in dependency order; no job runs. */
public final class TableCreator {

    private final PipelineConf conf;
    private final FlinkSession session;
    private final Renderer renderer;

    public TableCreator(PipelineConf conf, FlinkSession session, Renderer renderer) {
        this.conf = conf;
        this.session = session;
        this.renderer = renderer;
    }

    public void createMissingTables() {
        TableEnvironment tEnv = tableEnvironment();
        conf.layers().forEach(layer -> create(tEnv, layer));
    }

    /** One layer's table, DDL only: no job runs. */
    public void createMissingTable(LayerConf layer) {
        create(tableEnvironment(), layer);
    }

    private TableEnvironment tableEnvironment() {
        TableEnvironment tEnv = session.tableEnvironment(RuntimeExecutionMode.BATCH, new Configuration());
        renderer.catalogStatements().forEach(tEnv::executeSql);
        return tEnv;
    }

    private void create(TableEnvironment tEnv, LayerConf layer) {
        RenderedLayer rendered = renderer.stream(layer);
        try {
            tEnv.executeSql(rendered.targetDdl());
        } catch (ValidationException e) {
            throw WeirException.badInput(layer.template() + ": CREATE TABLE " + layer.table() + " failed: "
                    + Failures.rootCause(e));
        }
    }
}
