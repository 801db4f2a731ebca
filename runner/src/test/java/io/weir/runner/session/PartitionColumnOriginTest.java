package io.weir.runner.session;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where an INSERT's partition column comes from, in Flink's own plan of the statement. */
class PartitionColumnOriginTest {

    private static TableEnvironment tEnv;

    @BeforeAll
    static void tables() {
        tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        tEnv.executeSql("CREATE TABLE src (k BIGINT, ds STRING, t TIMESTAMP(3)) WITH ('connector' = 'datagen', 'number-of-rows' = '1')");
        tEnv.executeSql("CREATE TABLE dim (k BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1')");
        tEnv.executeSql("CREATE TABLE sink (k BIGINT, ds STRING) WITH ('connector' = 'blackhole')");
    }

    private static Optional<String> aggregate(String select) {
        return PartitionColumnOrigin.aggregateOf(tEnv, "INSERT INTO sink " + select, "ds");
    }

    private static Optional<String> format(String select) {
        return PartitionColumnOrigin.dateFormatOf(tEnv, "INSERT INTO sink " + select, "ds");
    }

    @Test
    void anAggregateOrOverWindowThatMakesThePartitionIsNamed() {
        assertEquals(Optional.of("MAX(...)"), aggregate("SELECT k, MAX(ds) FROM src GROUP BY k"));
        assertEquals(Optional.of("MAX(...)"), aggregate("SELECT k, CONCAT(m, '') FROM (SELECT k, MAX(ds) AS m FROM src GROUP BY k)"));
        assertEquals(Optional.of("FIRST_VALUE(...) OVER (...)"),
                aggregate("SELECT k, FIRST_VALUE(ds) OVER (PARTITION BY k ORDER BY t) FROM src"));
    }

    @Test
    void aPartitionFromRowsHasNoAggregate() {
        assertEquals(Optional.empty(), aggregate("SELECT k, ds FROM src"));
        assertEquals(Optional.empty(), aggregate("SELECT k, ds FROM src GROUP BY k, ds"));
        assertEquals(Optional.empty(), aggregate("SELECT s.k, s.ds FROM src AS s JOIN dim AS d ON s.k = d.k WHERE d.name <> 'x'"));
        assertEquals(Optional.empty(), aggregate("SELECT k, ds FROM src UNION ALL SELECT k, name FROM dim"));
    }

    @Test
    void theDateFormatPatternIsFoundThroughRenamesCastsJoinsKeysAndUnions() {
        assertEquals(Optional.of("yyyyMMdd"), format("SELECT k, DATE_FORMAT(t, 'yyyyMMdd') FROM src"));
        assertEquals(Optional.of("yyyy-MM-dd"), format("SELECT k, d FROM (SELECT k, CAST(DATE_FORMAT(t, 'yyyy-MM-dd') AS STRING) AS d"
                + " FROM src) GROUP BY k, d"));
        assertEquals(Optional.of("yyyyMMddHH"), format("SELECT s.k, DATE_FORMAT(s.t, 'yyyyMMddHH') FROM dim AS d"
                + " JOIN src AS s ON s.k = d.k"));
        assertEquals(Optional.of("yyyyMMdd"), format("SELECT k, ds FROM src UNION ALL SELECT k, DATE_FORMAT(t, 'yyyyMMdd') FROM src"));
    }

    @Test
    void anyOtherExpressionHasNoPattern() {
        assertEquals(Optional.empty(), format("SELECT k, ds FROM src"));
        assertEquals(Optional.empty(), format("SELECT k, SUBSTR(DATE_FORMAT(t, 'yyyyMMddHH'), 1, 8) FROM src"));
        assertEquals(Optional.empty(), format("SELECT k, MAX(DATE_FORMAT(t, 'yyyyMMdd')) FROM src GROUP BY k"));
    }
}
