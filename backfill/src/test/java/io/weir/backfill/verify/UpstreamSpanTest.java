package io.weir.backfill.verify;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PartitionRange;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code weir verify --upstream} checks of each input: every partition that the recomputed
 * partitions read, whatever the granularities, widened by each reader's lookback.
 */
class UpstreamSpanTest {

    @TempDir Path dir;

    @Test
    void anHourReadsTheWholeDayOfADailyInputAndEveryHourThatDayReads() {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, 1, "none"), String.join("\n",
                "layers:",
                "  - name: ods_orders",
                "    template: ods_orders.sql",
                "    partition: { column: ds, format: yyyyMMddHH, granularity: hour }",
                "  - name: dwd_orders",
                "    template: dwd_orders.sql",
                "    partition: { column: ds, format: yyyyMMdd, granularity: day }",
                "    upstream: [ods_orders]",
                "    lookback: 1d",
                "  - name: dws_users",
                "    template: dws_users.sql",
                "    partition: { column: ds, format: yyyyMMddHH, granularity: hour }",
                "    upstream: [dwd_orders]",
                "")));
        LayerConf top = conf.layer("dws_users");
        PartitionRange hour = new PartitionRange(LocalDateTime.of(2023, 2, 15, 5, 0), LocalDateTime.of(2023, 2, 15, 6, 0));
        Map<LayerConf, PartitionRange> chain = Verifier.withUpstream(conf, top, hour);
        assertEquals(List.of("ods_orders", "dwd_orders", "dws_users"), chain.keySet().stream().map(LayerConf::name).toList());
        assertEquals(hour, chain.get(top));
        assertEquals(new PartitionRange(LocalDateTime.of(2023, 2, 15, 0, 0), LocalDateTime.of(2023, 2, 16, 0, 0)),
                chain.get(conf.layer("dwd_orders")), "the hour's whole day");
        assertEquals(new PartitionRange(LocalDateTime.of(2023, 2, 14, 0, 0), LocalDateTime.of(2023, 2, 16, 0, 0)),
                chain.get(conf.layer("ods_orders")), "every hour of that day and, by its lookback, of the day before");

        PartitionRange decades = new PartitionRange(LocalDateTime.of(2000, 1, 1, 0, 0), LocalDateTime.of(2001, 12, 1, 0, 0));
        WeirException tooMany = assertThrows(WeirException.class, () -> Verifier.withUpstream(conf, conf.layer("dwd_orders"), decades));
        assertEquals(WeirException.BAD_INPUT, tooMany.exitCode());
        assertTrue(tooMany.getMessage().startsWith("--upstream: dwd_orders reads ods_orders over "), tooMany.getMessage());
    }
}
