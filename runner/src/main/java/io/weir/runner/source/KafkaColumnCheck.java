package io.weir.runner.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.runner.WeirException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Flink's JSON formats fill a declared column that no message has with NULL in every row, and say
 * nothing. This reads the newest messages of each partition and compares their field names with
 * the template's columns, exactly as the formats match them (case included). A change-data envelope
 * ({@code debezium-json}, {@code canal-json}, {@code maxwell-json}, {@code ogg-json}) carries every
 * column of its table in every message, so a column that none of them has is refused; plain
 * {@code json} may leave out null fields, so there it is a warning.
 */
final class KafkaColumnCheck {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaColumnCheck.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Newest messages read per partition: enough to see every field, little to read. */
    static final int SAMPLE_PER_PARTITION = 20;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

    private KafkaColumnCheck() {}

    /**
     * @param consumerProps how to reach the brokers (no group: the sample commits nothing)
     * @param endOffsets each partition's end offset; a partition without messages is skipped
     */
    static void check(String table, Map<String, String> tableOptions, Map<String, Object> consumerProps,
            Map<TopicPartition, Long> endOffsets, Map<TopicPartition, Long> startOffsets, List<String> declared) {
        String format = Optional.ofNullable(tableOptions.get("value.format")).orElse(tableOptions.get("format"));
        if (format == null || declared.isEmpty() || !format.endsWith("json")) {
            return;
        }
        if ("EXCEPT_KEY".equalsIgnoreCase(tableOptions.get("value.fields-include")) && !tableOptions.containsKey("key.fields")) {
            return; // upsert-kafka's key columns are its primary key, which the options do not name
        }
        Set<String> fromKey = new LinkedHashSet<>();
        Optional.ofNullable(tableOptions.get("key.fields")).ifPresent(k -> fromKey.addAll(List.of(k.split(";"))));
        List<String> wanted = declared.stream().filter(c -> !fromKey.contains(c)).toList();
        Map<TopicPartition, Long> from = new HashMap<>();
        endOffsets.forEach((p, end) -> {
            long start = Math.max(startOffsets.getOrDefault(p, 0L), end - SAMPLE_PER_PARTITION);
            if (start < end) {
                from.put(p, start);
            }
        });
        if (wanted.isEmpty() || from.isEmpty()) {
            return; // nothing to compare with: an empty topic fills nothing wrongly yet
        }
        Sample sample = read(consumerProps, from, endOffsets, format);
        if (sample.messages() == 0) {
            return;
        }
        List<String> missing = wanted.stream().filter(c -> !sample.fields().contains(c)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String problem = "table " + table + ": column" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                + " in no message of the " + sample.messages() + " newest of topic " + tableOptions.get("topic")
                + " (format " + format + "; fields there: " + String.join(", ", sample.fields()) + ")"
                + hints(missing, sample.fields()) + ". Flink would read NULL for " + (missing.size() > 1 ? "them" : "it")
                + " in every row";
        if (format.equals("json")) {
            LOG.warn("{}, unless the producers leave out null fields", problem);
            return;
        }
        throw WeirException.badInput(problem + ": declare the columns as the messages name them");
    }

    private record Sample(int messages, Set<String> fields) {}

    private static Sample read(Map<String, Object> consumerProps, Map<TopicPartition, Long> from,
            Map<TopicPartition, Long> end, String format) {
        Map<String, Object> props = new HashMap<>(consumerProps);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        Set<String> fields = new LinkedHashSet<>();
        int messages = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            Set<TopicPartition> open = new java.util.HashSet<>(from.keySet());
            Instant deadline = Instant.now().plus(READ_TIMEOUT);
            while (!open.isEmpty() && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= end.get(partition)) {
                        continue;
                    }
                    if (record.value() != null && collect(record.value(), format, fields)) {
                        messages++;
                    }
                }
                open.removeIf(p -> consumer.position(p) >= end.get(p));
            }
        }
        return new Sample(messages, fields);
    }

    /** Adds the row fields one message has; false when it is not a JSON object of the format. */
    private static boolean collect(byte[] value, String format, Set<String> fields) {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (java.io.IOException e) {
            return false; // the format's own error names a malformed message when the job reads it
        }
        if (root == null || !root.isObject()) {
            return false;
        }
        if (root.has("payload") && root.has("schema") && root.get("payload").isObject()) {
            root = root.get("payload"); // debezium-json.schema-include
        }
        List<JsonNode> rows = new ArrayList<>();
        switch (format) {
            case "debezium-json", "ogg-json" -> {
                rows.add(root.get("after"));
                rows.add(root.get("before"));
            }
            case "canal-json" -> root.path("data").forEach(rows::add);
            case "maxwell-json" -> rows.add(root.get("data"));
            default -> rows.add(root);
        }
        boolean any = false;
        for (JsonNode row : rows) {
            if (row != null && row.isObject()) {
                row.fieldNames().forEachRemaining(fields::add);
                any = true;
            }
        }
        return any;
    }

    /** A column that differs from a field only in case or in '_' is almost always that field. */
    private static String hints(Collection<String> missing, Collection<String> fields) {
        List<String> hints = new ArrayList<>();
        for (String column : missing) {
            for (Iterator<String> it = fields.iterator(); it.hasNext(); ) {
                String field = it.next();
                if (loose(field).equals(loose(column))) {
                    hints.add(column + " -> " + field);
                    break;
                }
            }
        }
        return hints.isEmpty() ? "" : "; did you mean " + String.join(", ", hints) + "?";
    }

    private static String loose(String name) {
        return name.replace("_", "").toLowerCase(Locale.ROOT);
    }
}
