package io.weir.runner.conf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The layers as a graph of tables: checks upstream references and finds a dependency order. */
final class LayerGraph {

    private final List<LayerConf> layers;
    private final Map<String, LayerConf> byTable = new LinkedHashMap<>();

    LayerGraph(List<LayerConf> layers) {
        this.layers = layers;
        layers.forEach(l -> byTable.put(l.table(), l));
    }

    List<LayerConf> dependencyOrder(ConfErrors errors) {
        for (int i = 0; i < layers.size(); i++) {
            LayerConf layer = layers.get(i);
            for (String upstream : layer.upstream()) {
                if (!byTable.containsKey(upstream)) {
                    errors.add("layers[" + i + "].upstream", "unknown upstream table '" + upstream
                            + "' (tables of this pipeline: " + String.join(", ", byTable.keySet()) + ")");
                } else if (upstream.equals(layer.table())) {
                    errors.add("layers[" + i + "].upstream", "layer '" + layer.name() + "' lists its own table");
                }
            }
        }
        if (!errors.isEmpty()) {
            return layers;
        }
        List<LayerConf> ordered = new ArrayList<>();
        Map<String, Mark> marks = new HashMap<>();
        for (LayerConf layer : layers) {
            List<String> path = visit(layer, marks, ordered, new ArrayList<>());
            if (path != null) {
                errors.add("layers", "dependency cycle: " + String.join(" -> ", path));
                return layers;
            }
        }
        return ordered;
    }

    /** Depth-first topological sort; returns the cycle's path when there is one. */
    private List<String> visit(LayerConf layer, Map<String, Mark> marks, List<LayerConf> ordered, List<String> path) {
        Mark mark = marks.get(layer.table());
        path.add(layer.name());
        if (mark == Mark.DONE) {
            path.remove(path.size() - 1);
            return null;
        }
        if (mark == Mark.VISITING) {
            return path.subList(path.indexOf(layer.name()), path.size());
        }
        marks.put(layer.table(), Mark.VISITING);
        for (String upstream : layer.upstream()) {
            List<String> cycle = visit(byTable.get(upstream), marks, ordered, path);
            if (cycle != null) {
                return cycle;
            }
        }
        marks.put(layer.table(), Mark.DONE);
        ordered.add(layer);
        path.remove(path.size() - 1);
        return null;
    }

    private enum Mark { VISITING, DONE }
}
