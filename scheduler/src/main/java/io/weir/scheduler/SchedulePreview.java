package io.weir.scheduler;

import io.weir.backfill.MissingPartitions;
import io.weir.backfill.Ledger;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the next tick of every scheduled layer would do, decided without running anything: its due
 * partitions, split into ready ones and waiting ones (with the reason). The catch-up benchmark
 * times exactly this decision.
 */
public final class SchedulePreview {

    private final PipelineConf conf;
    private final DuePartitions due;
    private final Readiness readiness;
    private final Clock clock;
    private final EmptyInputs emptyInputs;

    public SchedulePreview(PipelineConf conf, Lake lake, Clock clock) {
        this.conf = conf;
        LakeState lakeState = new LakeState(lake);
        LedgerState ledger = new LedgerState(new Ledger(lake), conf.name());
        this.due = new DuePartitions(conf, lake, lakeState, ledger);
        this.readiness = new Readiness(conf, lakeState, ledger, Readiness.closing(conf, lake, clock), clock, due);
        this.clock = clock;
        this.emptyInputs = new EmptyInputs(conf, lake, new io.weir.runner.template.Renderer(conf));
    }

    /** Every scheduled layer's due partitions, without asking whether they are ready: a cheap catch-up count. */
    public Map<String, List<String>> due() {
        Map<String, List<String>> due = new LinkedHashMap<>();
        for (LayerConf layer : conf.scheduledLayers()) {
            due.put(layer.name(), this.due.of(layer, clock.instant()).stream().map(d -> d.partition().value()).toList());
        }
        return due;
    }

    public List<LayerPreview> preview() {
        List<LayerPreview> layers = new ArrayList<>();
        for (LayerConf layer : conf.scheduledLayers()) {
            List<io.weir.runner.conf.Partition> ready = new ArrayList<>();
            Map<String, String> waiting = new LinkedHashMap<>();
            for (MissingPartitions.Missing d : due.of(layer, clock.instant())) {
                Readiness.Verdict verdict = readiness.check(layer, d.partition());
                if (verdict.ready()) {
                    ready.add(d.partition());
                } else {
                    waiting.put(d.partition().value(), verdict.reason());
                }
            }
            layers.add(new LayerPreview(layer.name(), ready.stream().map(io.weir.runner.conf.Partition::value).toList(),
                    waiting, emptyInputs.of(layer, ready).stream().map(io.weir.runner.conf.Partition::value).toList()));
        }
        return layers;
    }

    /**
     * One layer's next tick: partitions that would run now, those that would wait (and why), and those
     * of the ready ones that read nothing and would be recorded empty without a job.
     */
    public record LayerPreview(String layer, List<String> ready, Map<String, String> waiting, List<String> emptyInputs) {}
}
