package io.weir.runner.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@code ${name}} inside a string literal's value. */
record Placeholder(String name, int start, int end) {

    /** Scans a literal's value; an unclosed '${' is reported as a placeholder named by the rest. */
    static List<Placeholder> in(String value) {
        List<Placeholder> result = new ArrayList<>();
        int from = 0;
        while (true) {
            int open = value.indexOf("${", from);
            if (open < 0) {
                return result;
            }
            int close = value.indexOf('}', open);
            if (close < 0) {
                result.add(new Placeholder(value.substring(open), open, value.length()));
                return result;
            }
            result.add(new Placeholder(value.substring(open + 2, close), open, close + 1));
            from = close + 1;
        }
    }

    static String substitute(String value, Map<TemplateParameter, String> values) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (Placeholder p : in(value)) {
            out.append(value, from, p.start());
            out.append(values.get(TemplateParameter.named(p.name()).orElseThrow()));
            from = p.end();
        }
        return out.append(value.substring(from)).toString();
    }
}
