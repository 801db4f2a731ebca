package io.weir.cli;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.session.PlanCheck;
import io.weir.runner.template.Renderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks the pipeline definition and every layer's template, and plans each layer with Flink; runs nothing.")
final class ValidateCommand implements Callable<Integer> {

    @Mixin ConfOption conf;
    @Spec CommandSpec spec;

    /** Whether there are tables to compare; an unreachable warehouse is said, not an error of the conf. */
    private boolean warehouseExists(PipelineConf pipeline) {
        try {
            return io.weir.runner.lake.Lake.exists(pipeline.warehouse());
        } catch (io.weir.runner.WeirException e) {
            spec.commandLine().getOut().println("note: the warehouse's tables were not compared with the templates: "
                    + pipeline.secrets().mask(e.getMessage()));
            return false;
        }
    }

    @Override
    public Integer call() throws Exception {
        PipelineConf pipeline = conf.load();
        new Renderer(pipeline).checkAll();
        PlanCheck.Checked checked = PlanCheck.checked(pipeline, pipeline.layers());
        // A warehouse that exists already holds tables the templates must still match; none is made here.
        if (warehouseExists(pipeline)) {
            io.weir.runner.lake.Lake lake;
            try {
                lake = new io.weir.runner.lake.Lake(pipeline);
            } catch (RuntimeException e) {
                lake = null;
                spec.commandLine().getOut().println("note: the warehouse's tables were not compared with the templates:"
                        + " cannot open it (" + pipeline.secrets().mask(String.valueOf(e.getMessage())) + ")");
            }
            if (lake != null) {
                try (io.weir.runner.lake.Lake open = lake) {
                    io.weir.runner.session.TargetColumns.check(pipeline, open, new Renderer(pipeline), pipeline.layers());
                }
            }
        }
        spec.commandLine().getOut().println(pipeline.file() + ": ok, " + pipeline.layers().size() + " layers planned, in dependency order: "
                + String.join(" -> ", pipeline.layers().stream().map(LayerConf::name).toList()));
        checked.notes().forEach(spec.commandLine().getOut()::println);
        java.time.LocalDate today = pipeline.eventDateTime(java.time.Instant.now()).toLocalDate();
        for (LayerConf layer : pipeline.scheduledLayers()) {
            if (layer.schedule().orElseThrow().startsAfter(today)) {
                spec.commandLine().getOut().println("note: layer '" + layer.name() + "' schedule start-date "
                        + layer.schedule().get().startDate() + " is in the future (today is " + today
                        + " in " + pipeline.timeZone() + "): its schedule builds nothing before that day");
            }
        }
        return 0;
    }
}
