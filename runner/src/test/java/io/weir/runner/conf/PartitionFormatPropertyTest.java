package io.weir.runner.conf;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partition formats, property style: random patterns built from date fields and separators. Every
 * accepted one must order its values as time orders them, checked against random pairs of times
 * across 1900-9999 (an oracle independent of the validation's own walk); the known unordered ones
 * are refused.
 */
class PartitionFormatPropertyTest {

    private static final String[] FIELDS = {"yyyy", "yy", "MM", "M", "dd", "d", "HH", "H", "MMM", "uuuu"};
    private static final String[] SEPARATORS = {"", "", "-", "/", "_"};

    @Test
    void acceptedFormatsOrderLikeTimeOverTheWholeCalendar() {
        Random random = new Random(20261121);
        int accepted = 0;
        for (int i = 0; i < 400; i++) {
            Granularity granularity = random.nextBoolean() ? Granularity.DAY : Granularity.HOUR;
            PartitionSpec spec = new PartitionSpec("ds", randomPattern(random), granularity);
            if (spec.problem().isPresent()) {
                continue;
            }
            accepted++;
            for (int j = 0; j < 2000; j++) {
                LocalDateTime a = randomTime(random);
                LocalDateTime b = randomTime(random);
                String fa = spec.format(a);
                String fb = spec.format(b);
                int byTime = granularity.truncate(a).compareTo(granularity.truncate(b));
                assertEquals(Integer.signum(byTime), Integer.signum(fa.compareTo(fb)),
                        spec.pattern() + " (" + granularity + "): " + a + " -> " + fa + ", " + b + " -> " + fb);
            }
        }
        assertTrue(accepted >= 5, "the generator must produce valid formats too, got " + accepted);
    }

    @Test
    void unorderedFormatsAreRefused() {
        for (String pattern : List.of("MMddyyyy", "yyyyddMM", "ddMMyyyy", "yyMMdd", "yyyyMd", "yyyy-M-d", "yyyyMMMdd")) {
            assertTrue(new PartitionSpec("ds", pattern, Granularity.DAY).problem().isPresent(), pattern);
        }
        for (String pattern : List.of("yyyyMMddH", "HHyyyyMMdd", "yyyyMMdd-HH".replace("HH", "H"))) {
            assertTrue(new PartitionSpec("ds", pattern, Granularity.HOUR).problem().isPresent(), pattern);
        }
        for (String pattern : List.of("yyyyMMdd", "yyyy-MM-dd", "yyyy/MM/dd")) {
            assertTrue(new PartitionSpec("ds", pattern, Granularity.DAY).problem().isEmpty(), pattern);
        }
        assertTrue(new PartitionSpec("ds", "yyyyMMddHH", Granularity.HOUR).problem().isEmpty());
        assertTrue(new PartitionSpec("ds", "MMddyyyy", Granularity.DAY).problem().orElseThrow()
                .contains("does not sort in time order"));
    }

    private static String randomPattern(Random random) {
        List<String> parts = new ArrayList<>();
        int n = 2 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            parts.add(FIELDS[random.nextInt(FIELDS.length)]);
        }
        // Bias towards sensible orders so that valid formats come up too.
        if (random.nextInt(3) == 0) {
            parts = new ArrayList<>(List.of("yyyy", "MM", "dd", "HH").subList(0, 3 + random.nextInt(2)));
        }
        StringBuilder pattern = new StringBuilder();
        for (String part : parts) {
            if (pattern.length() > 0) {
                pattern.append(SEPARATORS[random.nextInt(SEPARATORS.length)]);
            }
            pattern.append(part);
        }
        return pattern.toString();
    }

    private static LocalDateTime randomTime(Random random) {
        return LocalDateTime.of(1900 + random.nextInt(8099), 1, 1, 0, 0)
                .plusDays(random.nextInt(366)).plusHours(random.nextInt(24));
    }
}
