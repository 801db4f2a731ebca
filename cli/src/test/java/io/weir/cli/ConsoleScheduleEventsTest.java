package io.weir.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler's console lines: catch-up counts across a tick and the partitions that join it. */
class ConsoleScheduleEventsTest {

    @Test
    void partitionsThatJoinAWaitingTickAddToItsCatchUpInsteadOfRestartingIt() {
        StringWriter text = new StringWriter();
        ConsoleScheduleEvents events = new ConsoleScheduleEvents(new PrintWriter(text));
        events.due("dws", List.of("20240301", "20240302", "20240303"), List.of("not built", "not built", "not built"));
        events.done("dws", List.of("20240301"), 5, Duration.ofSeconds(1));
        events.joined("dws", List.of("20240228", "20240229"), List.of("late data: x", "late data: x"));
        events.done("dws", List.of("20240302"), 5, Duration.ofSeconds(1));
        String out = text.toString();
        assertTrue(out.contains("dws 20240301: done, 5 rows in 1.0 s; catch-up 1 of 3"), out);
        assertTrue(out.contains("dws: 2 more partition(s) due: 20240228..20240229 (late data: x)"), out);
        assertTrue(out.contains("dws 20240302: done, 5 rows in 1.0 s; catch-up 2 of 5"), out);
    }

    @Test
    void partitionsDueForDifferentReasonsEachSayWhy() {
        assertEquals(" (20240301: not built; 20240302: late data: ods partition 20240302 changed after the build;"
                + " 20240303: not built; 2 more)", ConsoleScheduleEvents.reasons(
                        List.of("20240301", "20240302", "20240303", "20240304", "20240305"),
                        List.of("not built", "late data: ods partition 20240302 changed after the build", "not built",
                                "not built", "not built")));
        assertEquals(" (20240301: not built; 20240302: interrupted)",
                ConsoleScheduleEvents.reasons(List.of("20240301", "20240302"), List.of("not built", "interrupted")));
    }

    @Test
    void aReasonThatChangesAtEveryPollIsSaidOnceAMinutePerLayerAfterEachPartitionsFirstWait() {
        StringWriter text = new StringWriter();
        ConsoleScheduleEvents events = new ConsoleScheduleEvents(new PrintWriter(text));
        for (int poll = 0; poll < 5; poll++) {
            for (String hour : List.of("2024030100", "2024030101", "2024030102")) {
                events.waiting("dws_hourly", hour, "dwd watermark 2024-03-01 00:00:0" + poll + " has not passed");
            }
        }
        List<String> lines = text.toString().lines().toList();
        assertEquals(3, lines.size(), "each partition's first wait, then nothing new within the minute: " + lines);
        assertTrue(lines.get(2).endsWith("dws_hourly 2024030102: waiting on dwd watermark 2024-03-01 00:00:00 has not passed"),
                lines.toString());
    }
}
