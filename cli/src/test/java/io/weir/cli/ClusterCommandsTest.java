package io.weir.cli;

import io.weir.scheduler.StatusReport.JobRow;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How weir jobs and weir status show the cluster's jobs. */
class ClusterCommandsTest {

    @Test
    void aJobThatDroppedLateRowsIsNamedWithWhatRebuildsThem() {
        Instant started = Instant.parse("2026-11-24T10:00:00Z");
        String text = printed(List.of(
                new JobRow("dwd_orders", "RUNNING", "a1", started, started, 0, "h1", "", null),
                new JobRow("dws_shop_hourly", "RUNNING", "b2", started, started, 1, "h2", "", 3L),
                new JobRow("dws_shop_daily", "RUNNING", "c3", started, started, 0, "h3", "", 0L)));
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).contains("LATE DROPPED"), text);
        assertTrue(lines.get(1).matches("dwd_orders .* - .*"), "not counted: " + lines.get(1));
        assertTrue(lines.get(2).matches("dws_shop_hourly .* 3 .*"), lines.get(2));
        List<String> notes = lines.stream().filter(l -> l.startsWith("note: ")).toList();
        assertEquals(List.of("note: the dws_shop_hourly stream dropped 3 row(s) that came behind its watermark since it"
                + " started, which a batch build counts: rebuild the partitions they belong to with weir backfill --layer"
                + " dws_shop_hourly, or give dws_shop_hourly a schedule."), notes);
    }

    private static String printed(List<JobRow> rows) {
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            ClusterCommands.print(rows, out);
        }
        return text.toString();
    }
}
