package io.weir.runner.template;

import java.util.Arrays;
import java.util.Optional;

/** The parameters a layer template may use inside string literals, as {@code '${name}'}. */
public enum TemplateParameter {
    START_DATE("start_date", "first partition value of the range, in the layer's partition format"),
    END_DATE("end_date", "last partition value of the range (inclusive), in the layer's partition format"),
    START_TIME("start_time", "start of the range as 'yyyy-MM-dd HH:mm:ss' (inclusive)"),
    END_TIME("end_time", "end of the range as 'yyyy-MM-dd HH:mm:ss' (exclusive)");

    private final String placeholder;
    private final String meaning;

    TemplateParameter(String placeholder, String meaning) {
        this.placeholder = placeholder;
        this.meaning = meaning;
    }

    public String placeholder() {
        return placeholder;
    }

    public String meaning() {
        return meaning;
    }

    public boolean isStart() {
        return this == START_DATE || this == START_TIME;
    }

    public static Optional<TemplateParameter> named(String name) {
        return Arrays.stream(values()).filter(p -> p.placeholder.equals(name)).findFirst();
    }

    public static String known() {
        return String.join(", ", Arrays.stream(values()).map(p -> "${" + p.placeholder + "}").toList());
    }
}
