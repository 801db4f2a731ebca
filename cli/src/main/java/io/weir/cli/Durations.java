package io.weir.cli;

/** Durations in milliseconds as people read them in a table: 45s, 3m, 5h, 12d. */
final class Durations {

    private Durations() {}

    static String show(long millis) {
        long s = Math.abs(millis) / 1000;
        String text = millis != 0 && s == 0 ? Math.abs(millis) + "ms"
                : s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
        return millis < 0 ? "-" + text : text;
    }

    /** A lag that may be unknown ("-") or negative (a watermark ahead of the wall clock). */
    static String showSigned(Long millis) {
        return millis == null ? "-" : show(millis);
    }
}
