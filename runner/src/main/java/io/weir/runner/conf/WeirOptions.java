package io.weir.runner.conf;

import org.apache.flink.configuration.ConfigOption;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * Every key of a pipeline conf: its type, default and meaning in one place. Keys under the
 * {@code *.options} prefixes pass through to Flink, Paimon or the CDC connector unchanged.
 */
public final class WeirOptions {

    private WeirOptions() {}

    // ---- pipeline -------------------------------------------------------------------------------

    public static final ConfigOption<String> PIPELINE_NAME =
            key("pipeline.name").stringType().noDefaultValue()
                    .withDescription("Name of the pipeline; names its Flink jobs and state directories.");

    public static final ConfigOption<String> PIPELINE_START_DATE =
            key("pipeline.start-date").stringType().defaultValue("1970-01-01")
                    .withDescription("First date (yyyy-MM-dd) any layer holds; stream mode covers [start-date, forever).");

    public static final ConfigOption<String> PIPELINE_TIME_ZONE =
            key("pipeline.time-zone").stringType().noDefaultValue()
                    .withDescription("The zone of the wall clock that event times and partition values are in (default:"
                            + " the MySQL sources' server-time-zone, else UTC): the quiet rule, due partitions and"
                            + " status compare them with now read on that clock.");

    public static final ConfigOption<String> TEMPLATES_DIR =
            key("templates").stringType().defaultValue("../sql-templates")
                    .withDescription("Directory of the layer SQL templates, relative to the conf file.");

    // ---- warehouse (Paimon) ---------------------------------------------------------------------

    public static final ConfigOption<String> WAREHOUSE_URI =
            key("warehouse.uri").stringType().noDefaultValue()
                    .withDescription("Paimon warehouse: a path (relative to the conf file), file://, hdfs:// or s3:// URI.");

    public static final ConfigOption<String> WAREHOUSE_DATABASE =
            key("warehouse.database").stringType().defaultValue("default")
                    .withDescription("Paimon database that holds the layers' tables.");

    public static final ConfigOption<String> WAREHOUSE_LEDGER_DATABASE =
            key("warehouse.ledger-database").stringType().defaultValue(WarehouseConf.DEFAULT_LEDGER_DATABASE)
                    .withDescription("Paimon database of Weir's own tables: the ledger, seals, upgrades,"
                            + " verifications and backfill staging. Warehouses that share a Hive Metastore each"
                            + " need their own.");

    public static final String WAREHOUSE_OPTIONS_PREFIX = "warehouse.options.";

    public static final ConfigOption<Metastore> WAREHOUSE_METASTORE_TYPE =
            key("warehouse.metastore.type").enumType(Metastore.class).defaultValue(Metastore.FILESYSTEM)
                    .withDescription("Where the warehouse's tables are registered: filesystem (the warehouse"
                            + " directory alone) or hive (a Hive Metastore, with every partition, so Hive, Spark"
                            + " and Trino see them).");

    public static final ConfigOption<String> WAREHOUSE_METASTORE_URI =
            key("warehouse.metastore.uri").stringType().noDefaultValue()
                    .withDescription("The Hive Metastore's thrift://host:port; required for type hive.");

    public static final ConfigOption<String> WAREHOUSE_METASTORE_HIVE_CONF_DIR =
            key("warehouse.metastore.hive-conf-dir").stringType().noDefaultValue()
                    .withDescription("A Hive conf directory whose hive-site.xml describes the metastore (several"
                            + " hive.metastore.uris for high availability, client settings); relative to the conf"
                            + " file. Its uris serve when warehouse.metastore.uri is not set. Jobs on a remote"
                            + " cluster read it at the same path.");

    // ---- source (by kind) --------------------------------------------------------------------------

    public static final ConfigOption<String> SOURCE_TYPE =
            key("source.type").stringType().defaultValue("mysql")
                    .withDescription("The kind of source: 'mysql' for a MySQL or MariaDB server read through Flink CDC;"
                            + " 'embedded' starts a MariaDB with the sample warehouse.");

    public static final ConfigOption<String> SOURCE_HOSTNAME =
            key("source.hostname").stringType().defaultValue("127.0.0.1").withDescription("MySQL host.");

    public static final ConfigOption<Integer> SOURCE_PORT =
            key("source.port").intType().defaultValue(3306).withDescription("MySQL port.");

    public static final ConfigOption<String> SOURCE_DATABASE =
            key("source.database").stringType().noDefaultValue().withDescription("MySQL database of the business tables.");

    public static final ConfigOption<String> SOURCE_USERNAME =
            key("source.username").stringType().defaultValue("root").withDescription("MySQL user with replication grants.");

    public static final ConfigOption<String> SOURCE_PASSWORD =
            key("source.password").stringType().defaultValue("")
                    .withDescription("MySQL password; give it as ${env:NAME} or ${file:PATH}.");

    public static final ConfigOption<Integer> SOURCE_SERVER_ID_START =
            key("source.server-id-start").intType().defaultValue(5400)
                    .withDescription("First binlog client server id; each CDC table gets its own range from here.");

    public static final ConfigOption<String> SOURCE_SERVER_TIME_ZONE =
            key("source.server-time-zone").stringType().defaultValue("UTC")
                    .withDescription("Session time zone of the MySQL server, for TIMESTAMP columns.");

    public static final ConfigOption<Double> SOURCE_EMBEDDED_ORDERS_PER_SECOND =
            key("source.embedded.orders-per-second").doubleType().defaultValue(1.0)
                    .withDescription("Embedded source: rate of generated new paid orders (0 for none).");

    public static final ConfigOption<String> SOURCE_EMBEDDED_DIR =
            key("source.embedded.dir").stringType().defaultValue("../.weir/mariadb")
                    .withDescription("Embedded source: data directory of the MariaDB server, relative to the conf file.");

    public static final ConfigOption<Integer> SOURCE_EMBEDDED_PORT =
            key("source.embedded.port").intType().defaultValue(3307)
                    .withDescription("Embedded source: port of the MariaDB server (0 picks a free one).");

    public static final ConfigOption<String> SOURCE_BOOTSTRAP_SERVERS =
            key("source.bootstrap-servers").stringType().noDefaultValue()
                    .withDescription("Kafka brokers as host:port[,host:port...] (type 'kafka').");

    public static final ConfigOption<String> SOURCE_GROUP_ID_PREFIX =
            key("source.group-id-prefix").stringType().defaultValue("weir")
                    .withDescription("Kafka consumer groups are named <prefix>-<pipeline>-<table> (type 'kafka'); Weir"
                            + " keeps its read positions in Flink's state, the group only shows them to Kafka's tools.");

    public static final String SOURCE_OPTIONS_PREFIX = "source.options.";

    // ---- flink ----------------------------------------------------------------------------------

    public static final ConfigOption<FlinkTarget> FLINK_TARGET =
            key("flink.target").enumType(FlinkTarget.class).defaultValue(FlinkTarget.EMBEDDED)
                    .withDescription("'embedded' runs one in-process Flink cluster; 'remote' submits to flink.address.");

    public static final ConfigOption<String> FLINK_ADDRESS =
            key("flink.address").stringType().noDefaultValue()
                    .withDescription("REST address host:port of a remote Flink cluster (target 'remote').");

    public static final ConfigOption<Integer> FLINK_WEB_UI_PORT =
            key("flink.web-ui-port").intType().defaultValue(8081)
                    .withDescription("Port of the embedded cluster's REST API and web UI (0 picks a free one).");

    public static final ConfigOption<Integer> FLINK_TASK_SLOTS =
            key("flink.task-slots").intType().defaultValue(16)
                    .withDescription("Task slots of the embedded cluster; each running layer job at parallelism p holds p.");

    public static final ConfigOption<Integer> FLINK_PARALLELISM =
            key("flink.parallelism").intType().defaultValue(1).withDescription("Default parallelism of every job.");

    public static final ConfigOption<Duration> FLINK_CHECKPOINT_INTERVAL =
            key("flink.checkpoint-interval").durationType().defaultValue(Duration.ofSeconds(10))
                    .withDescription("Checkpoint interval of streaming jobs; Paimon commits on every checkpoint.");

    public static final ConfigOption<String> FLINK_STATE_DIR =
            key("flink.state-dir").stringType().defaultValue("../.weir/state")
                    .withDescription("Root of checkpoints and savepoints (path relative to the conf file, or a URI).");

    public static final ConfigOption<Duration> FLINK_QUIET_TIMEOUT =
            key("flink.quiet-timeout").durationType().defaultValue(Duration.ofMinutes(15))
                    .withDescription("A stream-written table whose job is alive (it commits every checkpoint) and"
                            + " whose inputs have brought no data for this long counts as complete up to now minus"
                            + " this: a quiet source closes the partitions behind it, through every layer."
                            + " 0: only watermarks close partitions.");

    /** Keys an older Weir knew under another name, and where they went. */
    static final Map<String, String> MOVED_KEYS = Map.of("scheduler.idle-timeout",
            "flink.quiet-timeout: a quiet source closes partitions for backfills and status too, not only the scheduler");

    public static final ConfigOption<Duration> FLINK_SOURCE_IDLE_TIMEOUT =
            key("flink.source-idle-timeout").durationType().defaultValue(Duration.ofSeconds(30))
                    .withDescription("A source split idle this long no longer holds back the watermark.");

    public static final ConfigOption<Integer> FLINK_RESTART_ATTEMPTS =
            key("flink.restart-attempts").intType().defaultValue(5)
                    .withDescription("Restarts of a failing streaming job before Weir reports it failed; the delay"
                            + " doubles from flink.restart-delay up to a minute, and the count starts again after ten"
                            + " minutes without a failure.");

    public static final ConfigOption<Duration> FLINK_RESTART_DELAY =
            key("flink.restart-delay").durationType().defaultValue(Duration.ofSeconds(5))
                    .withDescription("Delay between restarts of a failing job.");

    public static final ConfigOption<List<String>> FLINK_JARS =
            key("flink.jars").stringType().asList().defaultValues()
                    .withDescription("Jars shipped with every job to a remote cluster (connectors, Paimon).");

    public static final String FLINK_OPTIONS_PREFIX = "flink.options.";

    // ---- serving (by kind) ------------------------------------------------------------------------

    public static final ConfigOption<String> SERVING_TYPE =
            key("serving.type").stringType().defaultValue("hologres")
                    .withDescription("The kind of serving store: 'hologres' (a Hologres endpoint), 'embedded' (a PostgreSQL"
                            + " that Weir starts, with the Hologres emulation) or 'jdbc' (a MySQL-protocol store: TiDB,"
                            + " MySQL, MariaDB).");

    public static final ConfigOption<String> SERVING_URL =
            key("serving.url").stringType().noDefaultValue()
                    .withDescription("jdbc:mysql://host:port/database of the serving store (type 'jdbc').");

    public static final ConfigOption<String> SERVING_ENDPOINT =
            key("serving.endpoint").stringType().noDefaultValue()
                    .withDescription("host:port of the Hologres instance (type 'hologres').");

    public static final ConfigOption<String> SERVING_DATABASE =
            key("serving.database").stringType().defaultValue("weir").withDescription("Database of the serving tables.");

    public static final ConfigOption<String> SERVING_SCHEMA =
            key("serving.schema").stringType().defaultValue("public").withDescription("Schema of the serving tables.");

    public static final ConfigOption<String> SERVING_USERNAME =
            key("serving.username").stringType().defaultValue("weir").withDescription("User that writes the serving tables.");

    public static final ConfigOption<String> SERVING_PASSWORD =
            key("serving.password").stringType().defaultValue("")
                    .withDescription("Its password; give it as ${env:NAME} or ${file:PATH}.");

    public static final ConfigOption<List<String>> SERVING_TABLES =
            key("serving.tables").stringType().asList().defaultValues()
                    .withDescription("Lake tables (of layers) kept equal in the serving store, by stream and per partition.");

    public static final ConfigOption<String> SERVING_EMBEDDED_DIR =
            key("serving.embedded.dir").stringType().defaultValue("../.weir/postgres")
                    .withDescription("Embedded serving store: data directory of the PostgreSQL server, relative to the conf file.");

    public static final ConfigOption<Integer> SERVING_EMBEDDED_PORT =
            key("serving.embedded.port").intType().defaultValue(5433)
                    .withDescription("Embedded serving store: port of the PostgreSQL server (0 picks a free one).");

    public static final String SERVING_OPTIONS_PREFIX = "serving.options.";

    public static final ConfigOption<Integer> UI_PORT =
            key("ui.port").intType().defaultValue(8082)
                    .withDescription("Port of weir ui's status page and JSON API (0 picks a free one).");

    public static final ConfigOption<String> UI_BIND =
            key("ui.bind").stringType().defaultValue("127.0.0.1")
                    .withDescription("Address weir ui listens on: 127.0.0.1 keeps the page on this machine; 0.0.0.0"
                            + " shows it to the network (it has no login).");

    // ---- scheduler (weir schedule) --------------------------------------------------------------

    public static final ConfigOption<SchedulerStore> SCHEDULER_STORE =
            key("scheduler.store").enumType(SchedulerStore.class).defaultValue(SchedulerStore.H2)
                    .withDescription("Where Quartz keeps triggers: 'h2' (an embedded database file under scheduler.dir)"
                            + " or 'postgresql' (scheduler.jdbc-url).");

    public static final ConfigOption<String> SCHEDULER_DIR =
            key("scheduler.dir").stringType().defaultValue("../.weir/scheduler")
                    .withDescription("Directory of the embedded H2 store, relative to the conf file.");

    public static final ConfigOption<String> SCHEDULER_JDBC_URL =
            key("scheduler.jdbc-url").stringType().noDefaultValue()
                    .withDescription("JDBC URL of the PostgreSQL store (store 'postgresql'), e.g. jdbc:postgresql://db:5432/weir.");

    public static final ConfigOption<String> SCHEDULER_USERNAME =
            key("scheduler.username").stringType().defaultValue("weir").withDescription("User of the PostgreSQL store.");

    public static final ConfigOption<String> SCHEDULER_PASSWORD =
            key("scheduler.password").stringType().defaultValue("")
                    .withDescription("Password of the PostgreSQL store; give it as ${env:NAME} or ${file:PATH}.");

    public static final ConfigOption<Duration> SCHEDULER_POLL_INTERVAL =
            key("scheduler.poll-interval").durationType().defaultValue(Duration.ofSeconds(5))
                    .withDescription("How often a partition waiting for its upstream is checked again.");

    public static final ConfigOption<Duration> SCHEDULER_WAIT_TIMEOUT =
            key("scheduler.wait-timeout").durationType().defaultValue(Duration.ofHours(6))
                    .withDescription("How long a due partition waits for its upstream before it is marked LATE;"
                            + " the next tick tries it again.");

    public static final ConfigOption<Integer> SCHEDULER_MAX_ATTEMPTS =
            key("scheduler.max-attempts").intType().defaultValue(3)
                    .withDescription("Attempts of a failing scheduled job (the first run included) before its"
                            + " partitions are marked FAILED.");

    public static final ConfigOption<Duration> SCHEDULER_RETRY_BACKOFF =
            key("scheduler.retry-backoff").durationType().defaultValue(Duration.ofSeconds(30))
                    .withDescription("Wait before the first retry; it doubles with every further attempt.");

    public static final ConfigOption<Integer> SCHEDULER_BATCH_SIZE =
            key("scheduler.batch-size").intType().defaultValue(31)
                    .withDescription("Most partitions one scheduled job rebuilds (catch-ups run in chunks of this size).");

    public static final ConfigOption<Integer> SCHEDULER_MAX_CATCH_UP =
            key("scheduler.max-catch-up").intType().defaultValue(1000)
                    .withDescription("Most partitions weir schedule starts to catch up without --yes: more are due"
                            + " across the scheduled layers, and it stops to ask (narrow schedule.start-date or"
                            + " schedule.end-date, or confirm with --yes).");

    // ---- layers[i] ------------------------------------------------------------------------------

    public static final ConfigOption<String> LAYER_NAME =
            key("name").stringType().noDefaultValue().withDescription("Name of the layer, used by --layer.");

    public static final ConfigOption<String> LAYER_TEMPLATE =
            key("template").stringType().noDefaultValue()
                    .withDescription("The layer's SQL file, relative to the templates directory.");

    public static final ConfigOption<String> LAYER_TABLE =
            key("table").stringType().noDefaultValue()
                    .withDescription("Target table of the layer (default: the layer name).");

    public static final ConfigOption<String> LAYER_PARTITION_COLUMN =
            key("partition.column").stringType().noDefaultValue()
                    .withDescription("Partition column of the target table; omit the partition block for an unpartitioned dimension.");

    public static final ConfigOption<String> LAYER_PARTITION_FORMAT =
            key("partition.format").stringType().defaultValue("yyyyMMdd")
                    .withDescription("Pattern of partition values, e.g. yyyyMMdd or yyyyMMddHH.");

    public static final ConfigOption<Granularity> LAYER_PARTITION_GRANULARITY =
            key("partition.granularity").enumType(Granularity.class).defaultValue(Granularity.DAY)
                    .withDescription("'day' or 'hour': the time span of one partition.");

    public static final ConfigOption<List<String>> LAYER_UPSTREAM =
            key("upstream").stringType().asList().defaultValues()
                    .withDescription("Tables of other layers this layer reads.");

    public static final ConfigOption<String> LAYER_SCHEDULE_CRON =
            key("schedule.cron").stringType().noDefaultValue()
                    .withDescription("Quartz cron expression (UTC) of the layer's scheduled ticks, e.g. '0 5 * * * ?';"
                            + " omit the schedule block for a layer that only streams or backfills.");

    public static final ConfigOption<Duration> LAYER_SCHEDULE_ALLOWED_LATENESS =
            key("schedule.allowed-lateness").durationType().defaultValue(Duration.ZERO)
                    .withDescription("How far past a partition's end every upstream watermark must be before it runs.");

    public static final ConfigOption<String> LAYER_SCHEDULE_START_DATE =
            key("schedule.start-date").stringType().noDefaultValue()
                    .withDescription("First day (yyyy-MM-dd) the scheduler builds (default: pipeline.start-date).");

    public static final ConfigOption<String> LAYER_SCHEDULE_END_DATE =
            key("schedule.end-date").stringType().noDefaultValue()
                    .withDescription("Last day (yyyy-MM-dd, included) the scheduler builds (default: none, it keeps"
                            + " building as partitions end).");

    public static final ConfigOption<SealedPartitions> LAYER_SEALED_PARTITIONS =
            key("sealed-partitions").enumType(SealedPartitions.class).defaultValue(SealedPartitions.AUTO)
                    .withDescription("Who owns a partition once it has sealed and been built in batch: 'batch' (the"
                            + " stream's later writes into it are dropped), 'stream' (the stream keeps writing it), or"
                            + " 'auto' (batch when the layer's stream job can go stale: aggregates, joins, lookup joins,"
                            + " TOP-N).");

    public static final ConfigOption<Duration> LAYER_LOOKBACK =
            key("lookback").durationType().defaultValue(Duration.ZERO)
                    .withDescription("How far before its own span a partition reads upstream partitions, e.g. 30d for"
                            + " a payment day that reads orders of the 30 days before: a change to an upstream partition"
                            + " rebuilds the downstream partitions that read it (cascade, late data).");

    public static final ConfigOption<Boolean> LAYER_VERIFY =
            key("verify").booleanType().defaultValue(false)
                    .withDescription("Have the scheduler verify each partition it builds (weir verify: a batch"
                            + " recomputation into a scratch table, compared row by row) and record the result,"
                            + " which weir status shows.");

    public static final ConfigOption<Duration> LAYER_FRESHNESS =
            key("freshness").durationType().noDefaultValue()
                    .withDescription("Freshness target: how far the layer's data may lag behind now (now minus its"
                            + " watermark; for a batch-built table, minus the end of its newest built partition)."
                            + " weir status flags a layer that misses it, and --check exits 1.");

    /** The option keys of the top-level sections, for the unknown-key check. */
    static final List<ConfigOption<?>> TOP_LEVEL = List.of(
            PIPELINE_NAME, PIPELINE_START_DATE, PIPELINE_TIME_ZONE, TEMPLATES_DIR,
            WAREHOUSE_URI, WAREHOUSE_DATABASE, WAREHOUSE_LEDGER_DATABASE, WAREHOUSE_METASTORE_TYPE, WAREHOUSE_METASTORE_URI, WAREHOUSE_METASTORE_HIVE_CONF_DIR,
            SOURCE_TYPE, SOURCE_HOSTNAME, SOURCE_PORT, SOURCE_DATABASE, SOURCE_USERNAME, SOURCE_PASSWORD,
            SOURCE_SERVER_ID_START, SOURCE_SERVER_TIME_ZONE, SOURCE_BOOTSTRAP_SERVERS, SOURCE_GROUP_ID_PREFIX,
            SOURCE_EMBEDDED_ORDERS_PER_SECOND, SOURCE_EMBEDDED_DIR, SOURCE_EMBEDDED_PORT,
            FLINK_TARGET, FLINK_ADDRESS, FLINK_WEB_UI_PORT, FLINK_TASK_SLOTS, FLINK_PARALLELISM,
            FLINK_CHECKPOINT_INTERVAL, FLINK_STATE_DIR, FLINK_SOURCE_IDLE_TIMEOUT, FLINK_QUIET_TIMEOUT,
            FLINK_RESTART_ATTEMPTS, FLINK_RESTART_DELAY, FLINK_JARS,
            SCHEDULER_STORE, SCHEDULER_DIR, SCHEDULER_JDBC_URL, SCHEDULER_USERNAME, SCHEDULER_PASSWORD,
            SCHEDULER_POLL_INTERVAL, SCHEDULER_WAIT_TIMEOUT, SCHEDULER_MAX_ATTEMPTS,
            SCHEDULER_RETRY_BACKOFF, SCHEDULER_BATCH_SIZE, SCHEDULER_MAX_CATCH_UP,
            SERVING_TYPE, SERVING_URL, SERVING_ENDPOINT, SERVING_DATABASE, SERVING_SCHEMA, SERVING_USERNAME, SERVING_PASSWORD,
            SERVING_TABLES, SERVING_EMBEDDED_DIR, SERVING_EMBEDDED_PORT, UI_PORT, UI_BIND);

    static final List<String> PASS_THROUGH_PREFIXES =
            List.of(WAREHOUSE_OPTIONS_PREFIX, SOURCE_OPTIONS_PREFIX, FLINK_OPTIONS_PREFIX, SERVING_OPTIONS_PREFIX);

    static final List<ConfigOption<?>> LAYER = List.of(
            LAYER_NAME, LAYER_TEMPLATE, LAYER_TABLE, LAYER_PARTITION_COLUMN, LAYER_PARTITION_FORMAT,
            LAYER_PARTITION_GRANULARITY, LAYER_UPSTREAM, LAYER_SCHEDULE_CRON, LAYER_SCHEDULE_ALLOWED_LATENESS,
            LAYER_SCHEDULE_START_DATE, LAYER_SCHEDULE_END_DATE, LAYER_SEALED_PARTITIONS, LAYER_LOOKBACK, LAYER_VERIFY, LAYER_FRESHNESS);


    public enum FlinkTarget { EMBEDDED, REMOTE }

    public enum SchedulerStore { H2, POSTGRESQL }

}
