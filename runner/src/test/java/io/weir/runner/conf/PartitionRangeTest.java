package io.weir.runner.conf;

import io.weir.runner.WeirException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Days, hours and partition values name the partitions a command covers, and nothing finer than the layer's. */
class PartitionRangeTest {

    private static final LayerConf HOURLY = layer("dws_hourly", Optional.of(new PartitionSpec("hh", "yyyyMMddHH", Granularity.HOUR)));
    private static final LayerConf DAILY = layer("dws_daily", Optional.of(new PartitionSpec("ds", "yyyyMMdd", Granularity.DAY)));
    private static final LayerConf UNPARTITIONED = layer("dim_users", Optional.empty());

    private static LayerConf layer(String name, Optional<PartitionSpec> spec) {
        return new LayerConf(name, Path.of(name + ".sql"), name, spec, List.of("u"), Optional.empty(),
                SealedPartitions.AUTO, Duration.ZERO);
    }

    private static List<String> values(LayerConf layer, String from, String to) {
        PartitionRange range = PartitionRange.parse(layer, "--from", from, "--to", to);
        return layer.partition().orElseThrow().partitions(range).stream().map(Partition::value).toList();
    }

    @Test
    void oneHourOfAnHourlyLayerByHourOrByValue() {
        assertEquals(List.of("2024030300"), values(HOURLY, "2024-03-03 00:00", "2024-03-03 00:00"));
        assertEquals(List.of("2024030300"), values(HOURLY, "2024030300", "2024030300"));
        assertEquals(List.of("2024030222", "2024030223", "2024030300"), values(HOURLY, "2024-03-02T22:00", "2024030300"));
    }

    @Test
    void aDayCoversEveryHourAndToIsInclusive() {
        List<String> day = values(HOURLY, "2024-03-02", "2024-03-02");
        assertEquals(24, day.size());
        assertEquals("2024030200", day.get(0));
        assertEquals("2024030223", day.get(23));
        assertEquals(List.of("2024030205", "2024030206"), values(HOURLY, "2024-03-02 05:00", "2024-03-02 06:00"));
        assertEquals(List.of("20240302", "20240303"), values(DAILY, "20240302", "2024-03-03"));
    }

    @Test
    void aRangeCountsItsPartitionsWithoutListingThem() {
        PartitionRange range = PartitionRange.parse(HOURLY, "--from", "2024-01-01", "--to", "2024-12-31");
        assertEquals(366 * 24, HOURLY.partition().orElseThrow().count(range));
        assertEquals(366 * 24, HOURLY.partition().orElseThrow().partitions(range).size());
        WeirException tooMany = assertThrows(WeirException.class, () -> PartitionRange.parse(HOURLY, "--from",
                "2020-01-01", "--to", "2024-12-31").requireBounded(HOURLY));
        assertTrue(tooMany.getMessage().startsWith("the range 2020-01-01..2024-12-31 holds 43848 partitions of layer"
                + " 'dws_hourly'; one command handles at most 10000"), tooMany.getMessage());
    }

    @Test
    void valuesThatDoNotFitTheGranularityAreRefusedNamingTheOption() {
        assertRefused(DAILY, "2024-03-02 05:00", "2024-03-02", "--from '2024-03-02 05:00' names an hour, but layer"
                + " 'dws_daily' has daily partitions: give a day yyyy-MM-dd or a partition value like 20240302");
        assertRefused(UNPARTITIONED, "2024-03-02", "2024-03-02 05:00",
                "--to '2024-03-02 05:00' names an hour, but layer 'dim_users' has no partitions: give a day yyyy-MM-dd");
        assertRefused(HOURLY, "2024-03-02 05:30", "2024-03-02", "--from '2024-03-02 05:30' is not at the start of an hour");
        assertRefused(HOURLY, "2024030224", "2024-03-02", "--from '2024030224' is not a day yyyy-MM-dd, an hour"
                + " yyyy-MM-dd HH:00 or a partition value of layer 'dws_hourly' (yyyyMMddHH, e.g. 2024030205)");
        assertRefused(DAILY, "2023-02-30", "2023-03-01", "--from '2023-02-30' is not a day yyyy-MM-dd or a partition value");
        assertRefused(DAILY, "20230230", "2023-03-01", "--from '20230230' is not a day");
        assertRefused(DAILY, "+999999999-12-31", "2023-03-01", "--from '+999999999-12-31' is not a day");
        assertRefused(UNPARTITIONED, "yesterday", "2023-03-01", "--from 'yesterday' is not a day yyyy-MM-dd");
        assertRefused(HOURLY, "2024-03-02 06:00", "2024-03-02 05:00",
                "--from 2024-03-02 06:00 is after --to 2024-03-02 05:00");
    }

    private static void assertRefused(LayerConf layer, String from, String to, String message) {
        WeirException e = assertThrows(WeirException.class, () -> PartitionRange.parse(layer, "--from", from, "--to", to));
        assertEquals(WeirException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void printsAsTheUserWouldWriteIt() {
        assertEquals("2024-03-02", PartitionRange.parse(HOURLY, "--from", "2024-03-02", "--to", "2024-03-02").toString());
        assertEquals("2024-03-02 05:00..2024-03-02 06:00",
                PartitionRange.parse(HOURLY, "--from", "2024030205", "--to", "2024030206").toString());
        assertEquals(LocalDateTime.of(2024, 3, 2, 7, 0),
                PartitionRange.parse(HOURLY, "--from", "2024030205", "--to", "2024030206").until());
    }
}
