package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.template.RenderMode;
import io.weir.runner.template.Renderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Prints exactly the SQL a layer runs in stream or batch mode, secrets masked.")
final class RenderCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    @Option(names = {"-l", "--layer"}, required = true, paramLabel = "LAYER", description = "Layer to render.")
    String layer;

    @Option(names = {"-m", "--mode"}, required = true, paramLabel = "MODE",
            description = "stream (INSERT INTO over the whole range) or batch (INSERT OVERWRITE of --start..--end).",
            converter = ModeArgument.class)
    RenderMode mode;

    @Option(names = {"-s", "--start"}, paramLabel = "WHEN",
            description = "First partition of the batch range: a day yyyy-MM-dd, an hour 'yyyy-MM-dd HH:00',"
                    + " or a partition value.")
    String start;

    @Option(names = {"-e", "--end"}, paramLabel = "WHEN",
            description = "Last partition of the batch range (inclusive; default: --start).")
    String end;

    @Override
    public Integer call() {
        PipelineConf pipeline = conf.load();
        LayerConf layerConf = pipeline.layer(layer);
        Renderer renderer = new Renderer(pipeline);
        String script;
        if (mode == RenderMode.STREAM) {
            if (start != null || end != null) {
                throw WeirException.badInput("--start/--end apply to --mode batch; stream mode covers [pipeline.start-date, forever)");
            }
            // Planned first, as weir stream plans it: a layer whose stream keeps state is fenced.
            boolean fenced = io.weir.runner.session.PlanCheck.check(pipeline, java.util.List.of(layerConf))
                    .contains(layerConf.name());
            script = renderer.stream(layerConf, fenced).script();
        } else {
            if (start == null) {
                throw WeirException.badInput("--mode batch needs --start YYYY-MM-DD (and --end, default --start)");
            }
            PartitionRange range = PartitionRange.parse(layerConf, "--start", start,
                    end != null ? "--end" : "--start", end != null ? end : start).requireBounded(layerConf);
            script = renderer.batch(layerConf, range).script();
        }
        if (mode != RenderMode.STREAM) {
            io.weir.runner.session.PlanCheck.check(pipeline, java.util.List.of(layerConf));
        }
        spec.commandLine().getOut().print(pipeline.secrets().mask(script));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static final class ModeArgument implements picocli.CommandLine.ITypeConverter<RenderMode> {
        @Override
        public RenderMode convert(String value) {
            try {
                return RenderMode.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a mode: use stream or batch");
            }
        }
    }
}
