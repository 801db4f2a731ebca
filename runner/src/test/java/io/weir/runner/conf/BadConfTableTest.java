package io.weir.runner.conf;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad confs, one row per class of mistake: each is refused with exit code 2, a message naming the
 * file and the key in the conf's own words (no Java class names, no stack trace), and nothing is
 * written next to the conf.
 */
class BadConfTableTest {

    @TempDir Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            duplicate section             | flink:\\n|flink:\\n  parallelism: 1\\nflink:\\n              | Duplicate field 'flink'
            list for a single value       | name: test|name: [a, b]                                    | pipeline.name: expected a single value, got a list
            name used in paths            | name: test|name: ../../x                                   | pipeline.name: '../../x' cannot name jobs and state directories
            jar that does not exist       | parallelism: 1|parallelism: 1\\n  jars: [lib/missing.jar]  | flink.jars[0]: no such jar: 
            jar that is not a jar         | parallelism: 1|parallelism: 1\\n  jars: [conf.yaml]        | flink.jars[0]: expected a .jar file, got 'conf.yaml'
            negative restarts             | restart-attempts: 0|restart-attempts: -3                   | flink.restart-attempts: must be between 0 and 1000, got -3
            port out of range             | web-ui-port: 0|web-ui-port: 99999                          | flink.web-ui-port: must be between 0 and 65535, got 99999
            no task slots                 | parallelism: 1|parallelism: 1\\n  task-slots: 0            | flink.task-slots: must be between 1 and 4096, got 0
            backtick in database          | database: order_dw|database: order`dw                      | warehouse.database: 'order`dw' is not a database name
            bad ledger database           | database: order_dw|database: order_dw\\n  ledger-database: a.b | warehouse.ledger-database: 'a.b' is not a database name
            ledger among the layers       | database: order_dw|database: order_dw\\n  ledger-database: ORDER_DW | warehouse.ledger-database: 'ORDER_DW' is also warehouse.database
            enum in the conf's words      | parallelism: 1|parallelism: 1\\n  target: cloud            | flink.target: expected one of embedded, remote, got 'cloud'
            negative duration             | checkpoint-interval: 1s|checkpoint-interval: -3s           | flink.checkpoint-interval: expected a duration such as 30s, 5min or 1h, got '-3s'
            missing required key          | name: test|owner: me                                       | pipeline.name: required: Name of the pipeline
            two layers one table          | - name: dws_shops|- name: dws_shops\\n    table: dws_users | layers[5].table: table dws_users is written by an earlier layer too
            unordered partition format    | format: yyyyMMdd|format: MMddyyyy                          | layers[0].partition.format: 'MMddyyyy' does not sort in time order
            granularity in other words    | format: yyyyMMdd, granularity: day|format: yyyyMMddHH, granularity: hourly | layers[0].partition.granularity: expected one of day, hour, got 'hourly'
            missing layer name            | - name: ods_orders|- template_: x                          | layers[0].name: required
            verify without a schedule     | - name: dws_shops|- name: dws_shops\\n    verify: true      | layers[5].verify: verifies what the scheduler builds
            key of an older Weir          | parallelism: 1|parallelism: 1\\nscheduler:\\n  idle-timeout: 30min | scheduler.idle-timeout: this key is now flink.quiet-timeout
            misspelt section              | partition: { column: ds|partiton: { column: ds             | layers[0].partiton: unknown key, did you mean partition? (known here: freshness, lookback, name, partition,
            misspelt key                  | parallelism: 1|paralelism: 1                               | flink.paralelism: unknown key, did you mean flink.parallelism?
            duration without a unit       | parallelism: 1|parallelism: 1\\n  quiet-timeout: 60         | flink.quiet-timeout: expected a duration with its unit, such as 60s, 5min or 1h (without one it would be read as milliseconds), got '60'
            lookback without a unit       | - name: dws_shops|- name: dws_shops\\n    lookback: 2          | layers[5].lookback: expected a duration with its unit, such as 2s
            negative quiet timeout        | parallelism: 1|parallelism: 1\\n  quiet-timeout: -1s       | flink.quiet-timeout: expected a duration
            unknown metastore             | database: order_dw|database: order_dw\\n  metastore:\\n    type: glue | warehouse.metastore.type: expected one of filesystem, hive, got 'glue'
            hive metastore without uri    | database: order_dw|database: order_dw\\n  metastore:\\n    type: hive | warehouse.metastore.uri: required for type hive
            metastore uri not thrift      | database: order_dw|database: order_dw\\n  metastore:\\n    type: hive\\n    uri: http://hms:9083 | warehouse.metastore.uri: expected thrift://host:port, got 'http://hms:9083'
            bare ipv6 flink address       | parallelism: 1|parallelism: 1\\n  target: remote\\n  address: ::1:8081 | flink.address: expected the REST address of the cluster as host:port; '::1:8081' has more than one ':'; write an IPv6 address in brackets, as [::1]:8081
            flink address without port    | parallelism: 1|parallelism: 1\\n  target: remote\\n  address: flink-jm | flink.address: expected the REST address of the cluster as host:port; 'flink-jm' needs a port from 1 to 65535
            flink address port not number | parallelism: 1|parallelism: 1\\n  target: remote\\n  address: jm:rest | flink.address: expected the REST address of the cluster as host:port; 'jm:rest' is not host:port
            flink address with a path     | parallelism: 1|parallelism: 1\\n  target: remote\\n  address: jm:8081/x | flink.address: expected the REST address of the cluster as host:port; 'jm:8081/x' is not host:port
            """)
    void refusedWithTheKeyNamedAndNothingWritten(String what, String replace, String with, String message) throws Exception {
        String conf = TestConfs.standardSections(dir, 3306, "order_dw") + "\n" + TestConfs.exampleLayers();
        String bad = conf.replaceFirst(java.util.regex.Pattern.quote(replace.replace("\\n", "\n")),
                java.util.regex.Matcher.quoteReplacement(with.replace("\\n", "\n")));
        assertFalse(bad.equals(conf), what + ": the row must change the conf");
        Path file = TestConfs.write(dir, bad.substring(0, bad.indexOf("\nlayers:")), bad.substring(bad.indexOf("\nlayers:") + 1));
        long before = files();
        WeirException e = assertThrows(WeirException.class, () -> TestConfs.load(file), what);
        assertEquals(WeirException.BAD_INPUT, e.exitCode(), what);
        assertTrue(e.getMessage().contains(file.toString()), what + ": names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
        assertEquals(e.getMessage().indexOf(message), e.getMessage().lastIndexOf(message), what + ": said once: " + e.getMessage());
        if (!what.startsWith("missing") && !what.startsWith("key of an older")) { // those rows make two mistakes
            assertEquals(1, e.getMessage().lines().count(), what + ": one mistake, one message: " + e.getMessage());
        }
        assertFalse(e.getMessage().matches("(?s).*(\\$|Exception|io\\.weir\\.|org\\.apache\\.|Description@).*"),
                what + ": no Java names: " + e.getMessage());
        assertEquals(before, files(), what + ": nothing written");
    }

    private long files() throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.getFileName().toString().equals("pipeline.yaml")).count();
        }
    }
}
