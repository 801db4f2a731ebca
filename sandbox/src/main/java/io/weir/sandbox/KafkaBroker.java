package io.weir.sandbox;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one process, no ZooKeeper), a child
 * JVM on the class path of module sandbox/kafka-dist. Topics are never created on first use, as
 * on most production clusters.
 */
public final class KafkaBroker implements AutoCloseable {

    /** Where the build puts the broker's jars (module sandbox/kafka-dist). */
    public static final String LIB_PROPERTY = "weir.kafka-dist";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final int port;
    private final Process process;

    private KafkaBroker(Path home, int port, Process process) {
        this.home = home;
        this.port = port;
        this.process = process;
    }

    /** Formats a log directory under {@code home} and starts the broker; returns once it accepts connections. */
    public static KafkaBroker start(Path home) {
        try {
            Files.createDirectories(home);
            int port = Ports.free();
            int controllerPort = Ports.free();
            Path properties = home.resolve("server.properties");
            Files.writeString(properties, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + home.resolve("data"),
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "log.retention.check.interval.ms=1000",
                    ""));
            String classPath = ChildJvm.classPath(LIB_PROPERTY, "sandbox/kafka-dist");
            String java = ChildJvm.java();
            Process format = new ProcessBuilder(java, "-cp", classPath, "kafka.tools.StorageTool", "format",
                    "--cluster-id", clusterId(), "--config", properties.toString(), "--ignore-formatted")
                    .redirectErrorStream(true).redirectOutput(home.resolve("format.out").toFile()).start();
            if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting the Kafka log directory failed; see " + home.resolve("format.out"));
            }
            List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
            command.addAll(ChildJvm.options());
            command.addAll(List.of("-cp", classPath, "kafka.Kafka", properties.toString()));
            Process broker = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(home.resolve("broker.out").toFile()).start();
            KafkaBroker started = new KafkaBroker(home, port, broker);
            started.awaitListening();
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes string messages to a topic, each with the given record timestamp, and waits until they are acknowledged. */
    public void produce(String topic, Instant timestamp, List<String> values) {
        produceKeyed(topic, timestamp, unkeyed(values));
    }

    /** Writes keyed string messages (a null value is a tombstone) and waits until they are acknowledged. */
    public void produceKeyed(String topic, Instant timestamp, List<Map.Entry<String, String>> messages) {
        send(topic, timestamp, messages, producerProperties(), null);
    }

    /**
     * Writes string messages in one transaction, as an exactly-once producer does, and commits or
     * aborts it. The aborted messages stay in the topic, marked so, for a reader that reads them anyway.
     */
    public void produceTransaction(String topic, Instant timestamp, List<String> values, boolean commit) {
        Properties props = producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "weir-sandbox-" + topic);
        send(topic, timestamp, unkeyed(values), props, commit);
    }

    /** Sends and waits for each acknowledgement; in one transaction ended as {@code commit} says, unless null. */
    private void send(String topic, Instant timestamp, List<Map.Entry<String, String>> messages, Properties props,
            Boolean commit) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            if (commit != null) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            for (Map.Entry<String, String> message : messages) {
                producer.send(new ProducerRecord<>(topic, null, timestamp.toEpochMilli(), message.getKey(),
                        message.getValue())).get();
            }
            if (Boolean.TRUE.equals(commit)) {
                producer.commitTransaction();
            } else if (Boolean.FALSE.equals(commit)) {
                producer.abortTransaction();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write to topic " + topic + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Map.Entry<String, String>> unkeyed(List<String> values) {
        return values.stream().<Map.Entry<String, String>>map(value -> new java.util.AbstractMap.SimpleEntry<>(null, value))
                .toList();
    }

    private Properties producerProperties() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    /** Every message a single-partition topic holds now, oldest first. */
    public List<String> messages(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<String> messages = new ArrayList<>();
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofSeconds(1)).forEach(record -> messages.add(record.value()));
            }
            return messages;
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    private void awaitListening() throws InterruptedException {
        ChildJvm.awaitListening(process, port, START_TIMEOUT, "the Kafka broker", home.resolve("broker.out"));
    }

    /**
     * A cluster id as StorageTool's random-uuid prints it. Kafka's own generator never starts one
     * with '-', which the tool's argument parser would take for an option.
     */
    private static String clusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }


    /** Stops the broker (SIGTERM: a clean shutdown) and waits for it. */
    @Override
    public void close() {
        ChildJvm.stop(process);
    }
}
