package io.weir.runner.conf;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading partition values back: only a value the pattern itself would write names a partition. */
class PartitionSpecTest {

    private static final PartitionSpec DAILY = new PartitionSpec("ds", "yyyyMMdd", Granularity.DAY);
    private static final PartitionSpec HOURLY = new PartitionSpec("dh", "yyyyMMddHH", Granularity.HOUR);

    @Test
    void aValueThePatternWritesNamesItsPartition() {
        Partition day = DAILY.parse("20230215").orElseThrow();
        assertEquals(LocalDateTime.of(2023, 2, 15, 0, 0), day.start());
        assertEquals(LocalDateTime.of(2023, 2, 16, 0, 0), day.end());
        Partition hour = HOURLY.parse("2024030323").orElseThrow();
        assertEquals(LocalDateTime.of(2024, 3, 3, 23, 0), hour.start());
        assertEquals(LocalDateTime.of(2024, 3, 4, 0, 0), hour.end());
        assertEquals(day, DAILY.named("20230215"));
    }

    @Test
    void valuesThatNameNoPartitionAreNotTakenForOne() {
        for (String value : new String[] {"20230230", "2023021", "202302150", "__DEFAULT_PARTITION__", "", "2023-02-15"}) {
            assertEquals(Optional.empty(), DAILY.parse(value), value);
        }
        assertEquals(Optional.empty(), HOURLY.parse("2024030324"));
        assertEquals(Optional.empty(), HOURLY.parse("20240303"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DAILY.named("__DEFAULT_PARTITION__"));
        assertTrue(e.getMessage().contains("'__DEFAULT_PARTITION__' is not a partition value of pattern 'yyyyMMdd'"),
                e.getMessage());
    }
}
