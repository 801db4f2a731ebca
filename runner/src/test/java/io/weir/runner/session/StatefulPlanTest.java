package io.weir.runner.session;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which stream jobs hold state a backfill leaves stale, judged from Flink's own plan of every INSERT. */
class StatefulPlanTest {

    private static final String COPY = "INSERT INTO copy_sink SELECT k, v FROM src WHERE v > 0";
    private static final String COUNT = "INSERT INTO agg_sink SELECT k, COUNT(DISTINCT v) FROM src GROUP BY k";

    private TableEnvironment tEnv;

    @BeforeEach
    void tables() {
        tEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tEnv.executeSql("CREATE TABLE src (k STRING, v INT) WITH ('connector' = 'datagen')");
        tEnv.executeSql("CREATE TABLE copy_sink (k STRING, v INT) WITH ('connector' = 'blackhole')");
        tEnv.executeSql("CREATE TABLE agg_sink (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED)"
                + " WITH ('connector' = 'blackhole')");
    }

    @Test
    void anEventTimeWindowDropsLateRowsAndAGroupByDoesNot() {
        tEnv.executeSql("CREATE TABLE ev (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)"
                + " WITH ('connector' = 'datagen')");
        tEnv.executeSql("CREATE TABLE win_sink (k STRING, w TIMESTAMP(3), n BIGINT) WITH ('connector' = 'blackhole')");
        assertEquals(java.util.Optional.of("WindowAggregate"), StatefulPlan.lateDropping(tEnv, List.of(
                "INSERT INTO win_sink SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts),"
                        + " INTERVAL '1' HOUR)) GROUP BY k, window_start, window_end")).map(n -> n.replaceFirst("^(Local|Global)", "")));
        assertEquals(java.util.Optional.empty(), StatefulPlan.lateDropping(tEnv, List.of(COUNT)));
        assertEquals(java.util.Optional.empty(), StatefulPlan.lateDropping(tEnv, List.of(COPY)));
    }

    @Test
    void aCopyIsStatelessAndAnAggregateIsNot() {
        assertFalse(StatefulPlan.isStateful(tEnv, List.of(COPY)));
        assertTrue(StatefulPlan.isStateful(tEnv, List.of(COUNT)));
    }

    /** A row written through a lookup keeps the dimension as it was; a recomputation reads it as it is. */
    @Test
    void aLookupJoinCanGoStale() {
        tEnv.executeSql("CREATE TABLE dim (k STRING, name STRING) WITH ('connector' = 'jdbc',"
                + " 'url' = 'jdbc:mysql://127.0.0.1:1/none', 'table-name' = 'dim')");
        tEnv.executeSql("CREATE TEMPORARY VIEW src_t AS SELECT *, PROCTIME() AS pt FROM src");
        assertTrue(StatefulPlan.isStateful(tEnv, List.of("INSERT INTO copy_sink SELECT s.k, s.v FROM src_t AS s"
                + " JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.k = d.k")));
    }

    /** An upgrade starts a job's scans after the rebuild's snapshots, and must never do so to a lookup. */
    @Test
    void theShapeTellsScannedFromLookedUpTables() {
        tEnv.executeSql("CREATE TABLE dim (k STRING, name STRING) WITH ('connector' = 'jdbc',"
                + " 'url' = 'jdbc:mysql://127.0.0.1:1/none', 'table-name' = 'dim')");
        tEnv.executeSql("CREATE TEMPORARY VIEW src_t AS SELECT *, PROCTIME() AS pt FROM src");
        StatefulPlan.Shape shape = StatefulPlan.shape(tEnv, List.of("INSERT INTO copy_sink SELECT s.k, s.v FROM src_t"
                + " AS s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.k = d.k"));
        assertEquals(java.util.Set.of("default_catalog.default_database.src"), shape.scanned());
        assertEquals(java.util.Set.of("default_catalog.default_database.dim"), shape.lookedUp());
        assertTrue(shape.stateful());
        assertFalse(StatefulPlan.shape(tEnv, List.of(COPY)).stateful());
    }

    @Test
    void anAggregateInALaterInsertOfTheLayerCounts() {
        assertTrue(StatefulPlan.isStateful(tEnv, List.of(COPY, COUNT)),
                "a layer whose first INSERT copies and whose second aggregates keeps state");
    }
}
