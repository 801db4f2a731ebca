package io.weir.runner.conf;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One rule for which upstream partitions a partition reads: overlapping spans, widened by the lookback. */
class PartitionMappingTest {

    private static final PartitionSpec DAILY = new PartitionSpec("ds", "yyyyMMdd", Granularity.DAY);
    private static final PartitionSpec HOURLY = new PartitionSpec("ds", "yyyyMMddHH", Granularity.HOUR);

    private static LayerConf layer(PartitionSpec spec, Duration lookback) {
        return new LayerConf("l", Path.of("l.sql"), "l", Optional.of(spec), List.of("u"), Optional.empty(),
                SealedPartitions.AUTO, lookback);
    }

    @Test
    void aDayReadsItsHoursAndAnHourReadsItsDay() {
        Partition day = DAILY.partitionOf(LocalDateTime.of(2024, 3, 2, 0, 0));
        List<Partition> hours = PartitionMapping.read(layer(DAILY, Duration.ZERO), day, HOURLY);
        assertEquals(24, hours.size());
        assertEquals("2024030200", hours.get(0).value());
        assertEquals("2024030223", hours.get(23).value());
        // A late change in hour 05 reaches the daily partition above it, and no other day.
        Partition hour5 = HOURLY.partitionOf(LocalDateTime.of(2024, 3, 2, 5, 0));
        assertTrue(PartitionMapping.reads(layer(DAILY, Duration.ZERO), day, hour5));
        assertFalse(PartitionMapping.reads(layer(DAILY, Duration.ZERO),
                DAILY.partitionOf(LocalDateTime.of(2024, 3, 3, 0, 0)), hour5));

        Partition hour = HOURLY.partitionOf(LocalDateTime.of(2024, 3, 2, 7, 0));
        assertEquals(List.of("20240302"), PartitionMapping.read(layer(HOURLY, Duration.ZERO), hour, DAILY)
                .stream().map(Partition::value).toList());
    }

    @Test
    void aLookbackReachesEarlierUpstreamPartitionsAndLaterDownstreamOnes() {
        LayerConf paymentDays = layer(DAILY, Duration.ofDays(2));
        Partition d = DAILY.partitionOf(LocalDateTime.of(2023, 2, 16, 0, 0));
        assertEquals(List.of("20230214", "20230215", "20230216"),
                PartitionMapping.read(paymentDays, d, DAILY).stream().map(Partition::value).toList());
        LocalDateTime[] fed = PartitionMapping.fed(paymentDays, LocalDateTime.of(2023, 2, 15, 0, 0),
                LocalDateTime.of(2023, 2, 16, 0, 0));
        assertEquals(LocalDateTime.of(2023, 2, 18, 0, 0), fed[1], "order day 15 feeds payment days 15..17");
    }
}
