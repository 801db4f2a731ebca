package io.weir.runner.source;

import io.weir.runner.WeirException;
import io.weir.runner.conf.SourceConf;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * {@code source.type: kafka}: changelog topics read with Flink's Kafka connector. The template
 * names the topic and the format ({@code debezium-json}, {@code canal-json} for changelogs, plain
 * {@code json} for append-only events), or an {@code upsert-kafka} table of a compacted topic; Weir
 * adds the brokers, a consumer group and {@code read_committed}, so an aborted transaction is never read. A stream reads
 * a topic from its earliest message. A backfill re-reads it from its earliest message too, up to
 * the newest message when its read starts ({@code scan.bounded.mode = latest-offset}), through
 * staging as for MySQL, and is refused when retention has already deleted messages from that range.
 */
public final class KafkaSource implements SourceKind {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(15);
    static final String READ_COMMITTED = "read_committed";
    private static final String ISOLATION_LEVEL = "properties.isolation.level";
    private static final String KAFKA = "kafka";
    /** A compacted topic of each key's latest value, a null value deleting it; read from its first message. */
    private static final String UPSERT_KAFKA = "upsert-kafka";

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public Set<String> connectors() {
        return Set.of(KAFKA, UPSERT_KAFKA);
    }

    @Override
    public boolean completes(Map<String, String> tableOptions) {
        return !tableOptions.containsKey("properties.bootstrap.servers");
    }

    @Override
    public boolean takesOption(SourceRead read, String key) {
        return !(UPSERT_KAFKA.equals(read.connector()) && key.startsWith("scan.startup."));
    }

    @Override
    public Set<String> keys() {
        return Set.of("bootstrap-servers", "group-id-prefix");
    }

    /**
     * From when changes to a range's rows are surely stamped: Kafka stamps a message in UTC when it
     * is produced, while a partition's span is the source's wall clock, which may be up to 14 hours
     * ahead of UTC, so a day early covers every zone. Retention that deleted messages after this
     * lost changes to the range. A backfill does not start its read here: a row's last message can
     * be older than its partition (a ride booked days ahead), and a read from here would drop it.
     */
    static Instant changesFrom(SourceRead.Span span) {
        return span.start().minus(Duration.ofDays(1));
    }

    @Override
    public void validate(SourceConf conf, BiConsumer<String, String> problem) {
        String servers = conf.bootstrapServers();
        if (servers == null || servers.isBlank()) {
            problem.accept("source.bootstrap-servers", "required for type 'kafka': the brokers as host:port[,host:port...]");
        } else {
            for (String server : servers.split(",")) {
                if (!server.trim().matches("[^:/\\s]+:\\d{1,5}")) {
                    problem.accept("source.bootstrap-servers", "expected host:port[,host:port...], got '" + servers + "'");
                    break;
                }
            }
        }
    }

    @Override
    public Map<String, String> tableOptions(SourceConf conf, SourceRead read) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("properties.bootstrap.servers", conf.bootstrapServers());
        String group = conf.groupIdPrefix() + "-" + conf.pipeline() + "-" + read.table();
        // A backfill is a consumer of its own: it must not share the stream's client ids (JMX) nor its
        // group's committed offsets, which monitoring reads as the stream's lag.
        options.put("properties.group.id", read.bounded().isPresent() ? group + "-backfill" : group);
        // Kafka's consumers read every message by default, also those of a transaction its producer
        // aborted (Flink's exactly-once sink, Kafka Streams, Connect's exactly-once sources): rows
        // that never happened. Flink's connector leaves the default as it is.
        // The conf's choice counts for a backfill too, whose own options otherwise win: it reads as its stream.
        options.put(ISOLATION_LEVEL, conf.options().getOrDefault(ISOLATION_LEVEL, READ_COMMITTED));
        // upsert-kafka always starts at the first message and has no option to say so.
        boolean takesStartupMode = KAFKA.equals(read.connector());
        if (read.bounded().isPresent()) {
            options.put("properties.commit.offsets.on.checkpoint", "false");
            // From the first message, whatever the range: the rebuild replaces the partition, so a row of
            // it whose only message was produced before the range began must be read too.
            if (takesStartupMode) {
                options.put("scan.startup.mode", "earliest-offset");
            }
            // Up to the newest message when the read starts, not to the range's end: a change made later
            // to a row of the range belongs to it. Not a time fixed when the plan is rendered either: the
            // stream may write a message produced after it before the rebuild commits, and the rebuild
            // would replace it without having read it; each round's read must reach past what the
            // stream had committed when the round began.
            options.put("scan.bounded.mode", "latest-offset");
        } else if (takesStartupMode) {
            options.put("scan.startup.mode", "earliest-offset");
        }
        return options;
    }

    @Override
    public boolean stagesBoundedReads() {
        // A changelog format produces updates and deletes, which a batch job cannot read.
        return true;
    }

    @Override
    public String upstreamRecord(SourceConf conf) {
        return "kafka:" + conf.bootstrapServers();
    }

    @Override
    public String label(SourceConf conf) {
        return "source kafka " + conf.bootstrapServers();
    }

    @Override
    public Optional<String> probeUrl(SourceConf conf, int timeoutSeconds) {
        return Optional.empty();
    }

    @Override
    public void checkRead(SourceConf conf, Map<String, String> tableOptions, SourceRead read) {
        IsolationLevel isolation = isolation(read, tableOptions.getOrDefault(ISOLATION_LEVEL, READ_COMMITTED));
        String topicList = tableOptions.get("topic");
        if (topicList == null) {
            return; // a topic-pattern: whatever matches is read
        }
        List<String> topics = List.of(topicList.split(";"));
        Admin created;
        Map<String, Object> adminProperties = adminProperties(conf, tableOptions);
        adminProperties.remove(ConsumerConfig.ISOLATION_LEVEL_CONFIG); // the consumer's, not the admin client's
        try {
            created = Admin.create(adminProperties);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw unreachable(conf, e.getCause() == null ? e : e.getCause());
        }
        try (Admin admin = created) {
            Map<String, TopicDescription> described = described(conf, admin, topics, read);
            if (read.bounded().isPresent()) {
                checkRetention(admin, described, changesFrom(read.bounded().get()), read);
            }
            if (!read.columns().isEmpty()) {
                List<TopicPartition> partitions = partitions(described);
                // The sample reads as the job does, and stops where that reader's messages end: an open
                // transaction's are not there yet.
                Map<String, Object> consumer = adminProperties(conf, tableOptions);
                consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.name().toLowerCase(java.util.Locale.ROOT));
                KafkaColumnCheck.check(read.table(), tableOptions, consumer,
                        offsetsOf(offsets(admin, partitions, OffsetSpec.latest(), isolation)),
                        offsetsOf(offsets(admin, partitions, OffsetSpec.earliest(), isolation)), read.columns());
            }
        }
    }

    private static IsolationLevel isolation(SourceRead read, String level) {
        for (IsolationLevel known : IsolationLevel.values()) {
            // Kafka's consumer takes the lower-case name only.
            if (known.name().toLowerCase(java.util.Locale.ROOT).equals(level)) {
                return known;
            }
        }
        throw WeirException.badInput("table " + read.table() + ": '" + ISOLATION_LEVEL + "' = '" + level
                + "'; expected read_committed or read_uncommitted");
    }

    private static Map<String, Object> adminProperties(SourceConf conf, Map<String, String> tableOptions) {
        Map<String, Object> props = new HashMap<>();
        tableOptions.forEach((key, value) -> {
            if (key.startsWith("properties.")) {
                props.put(key.substring("properties.".length()), value);
            }
        });
        props.remove("group.id");
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return props;
    }

    private static Map<String, TopicDescription> described(SourceConf conf, Admin admin, List<String> topics,
            SourceRead read) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(ADMIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw WeirException.badInput("table " + read.table() + ": topic " + String.join(";", topics)
                        + " does not exist at " + conf.bootstrapServers() + existing(admin));
            }
            throw unreachable(conf, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(conf, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<TopicPartition> partitions(Map<String, TopicDescription> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        topics.values().forEach(t -> t.partitions().forEach(p -> partitions.add(new TopicPartition(t.name(), p.partition()))));
        return partitions;
    }

    private static Map<TopicPartition, Long> offsetsOf(Map<TopicPartition, ListOffsetsResultInfo> infos) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        infos.forEach((p, info) -> offsets.put(p, info.offset()));
        return offsets;
    }

    /** Refuses a range that starts before the oldest message retention has kept, when it deleted any. */
    private static void checkRetention(Admin admin, Map<String, TopicDescription> topics, Instant rangeStart,
            SourceRead read) {
        List<TopicPartition> partitions = partitions(topics);
        Map<TopicPartition, ListOffsetsResultInfo> earliest = offsets(admin, partitions, OffsetSpec.earliest());
        // Offsets start at 0: a partition that starts later has lost messages, up to its first kept one.
        List<TopicPartition> trimmed = partitions.stream().filter(p -> earliest.get(p).offset() > 0).toList();
        if (trimmed.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResultInfo> first = offsets(admin, trimmed, OffsetSpec.forTimestamp(0));
        for (TopicPartition partition : trimmed) {
            ListOffsetsResultInfo kept = first.get(partition);
            String where = "table " + read.table() + ": topic " + partition.topic() + " (partition " + partition.partition() + ")";
            if (kept.timestamp() < 0) {
                // Nothing kept: when the lost messages were written is unknown, so no range is safe.
                throw WeirException.badInput(where + " has lost all " + earliest.get(partition).offset() + " of its messages"
                        + " to retention, so a backfill cannot tell what it would miss. Feed the topic again from its source.");
            }
            Instant keptFrom = Instant.ofEpochMilli(kept.timestamp());
            if (keptFrom.isAfter(rangeStart)) {
                throw WeirException.badInput(where + " has lost its messages before " + keptFrom + " to retention (it now"
                        + " starts at offset " + earliest.get(partition).offset() + "), and changes to the range may be"
                        + " stamped from " + rangeStart + " (a day before the range, for the source's time zone): a"
                        + " backfill would miss them. Backfill a range that starts after " + keptFrom.plus(Duration.ofDays(1))
                        + ", or feed the topic again from its source.");
            }
        }
    }

    private static Map<TopicPartition, ListOffsetsResultInfo> offsets(Admin admin, List<TopicPartition> partitions,
            OffsetSpec spec) {
        return offsets(admin, partitions, spec, IsolationLevel.READ_UNCOMMITTED);
    }

    private static Map<TopicPartition, ListOffsetsResultInfo> offsets(Admin admin, List<TopicPartition> partitions,
            OffsetSpec spec, IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(p, spec));
        try {
            return admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get(ADMIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw WeirException.badInput("cannot read the offsets of " + partitions + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String existing(Admin admin) {
        try {
            Set<String> names = new TreeSet<>(admin.listTopics().names().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            return names.isEmpty() ? " (it has no topics)" : " (topics there: " + String.join(", ", names) + ")";
        } catch (Exception e) {
            return "";
        }
    }

    private static WeirException unreachable(SourceConf conf, Throwable cause) {
        return WeirException.badInput("source kafka: cannot reach the brokers at " + conf.bootstrapServers() + " within "
                + ADMIN_TIMEOUT.toSeconds() + " s (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")");
    }
}
