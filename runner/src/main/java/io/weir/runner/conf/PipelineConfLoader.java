package io.weir.runner.conf;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weir.runner.WeirException;
import io.weir.runner.serving.ServingKind;
import io.weir.runner.serving.ServingKinds;
import io.weir.runner.source.SourceKind;
import io.weir.runner.source.SourceKinds;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.weir.runner.conf.WeirOptions.*;

/**
 * Reads a pipeline conf: YAML, then flattened keys checked against {@link WeirOptions}, then a
 * {@link PipelineConf}. Every problem names the file and the key.
 */
public final class PipelineConfLoader {

    /** The keys that take a list; a list anywhere else is an error, not values joined by ';'. */
    private static final Set<String> LIST_KEYS = Set.of(FLINK_JARS.key(), SERVING_TABLES.key(), LAYER_UPSTREAM.key());

    /** Names that go into paths, job names and SQL identifiers. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final java.util.regex.Pattern DATABASE = java.util.regex.Pattern.compile("[A-Za-z0-9_]{1,64}");

    private static final String NAMED_SOURCES_PREFIX = "sources.";
    private static final java.util.regex.Pattern SOURCE_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Set<String> SECTIONS = Set.of("pipeline", "templates", "warehouse", "source", "sources", "flink", "scheduler", "serving", "ui",
            "layers");

    private final Map<String, String> environment;

    public PipelineConfLoader() {
        this(System.getenv());
    }

    public PipelineConfLoader(Map<String, String> environment) {
        this.environment = environment;
    }

    public PipelineConf load(Path file) {
        Path confFile = file.toAbsolutePath().normalize();
        JsonNode root = readYaml(confFile);
        ConfErrors errors = new ConfErrors(confFile);
        Path baseDir = confFile.getParent();
        Secrets secrets = new Secrets();
        SecretReference references = new SecretReference(environment, baseDir, secrets);

        Map<String, String> flat = new TreeMap<>();
        JsonNode layersNode = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            if (!SECTIONS.contains(section.getKey())) {
                errors.add(section.getKey(), "unknown section (expected one of " + String.join(", ", new java.util.TreeSet<>(SECTIONS)) + ")");
            } else if (section.getKey().equals("layers")) {
                layersNode = section.getValue();
            } else {
                flatten(section.getKey(), section.getValue(), flat, references, errors);
            }
        }
        List<String> passThrough = new ArrayList<>(PASS_THROUGH_PREFIXES);
        passThrough.add(NAMED_SOURCES_PREFIX);
        checkKnownKeys(flat, TOP_LEVEL, passThrough, "", errors);
        Configuration options = Configuration.fromMap(flat);

        String name = required(options, PIPELINE_NAME, errors);
        if (name != null && !name.isBlank() && !NAME.matcher(name).matches()) {
            errors.add(PIPELINE_NAME.key(), "'" + name + "' cannot name jobs and state directories: use letters, digits,"
                    + " '_' and '-' (at most 64, starting with a letter or digit)");
        }
        LocalDate startDate = startDate(options, errors);
        Path templatesDir = baseDir.resolve(get(options, TEMPLATES_DIR, errors)).normalize();
        String database = get(options, WAREHOUSE_DATABASE, errors);
        if (database != null && !DATABASE.matcher(database).matches()) {
            errors.add(WAREHOUSE_DATABASE.key(), "'" + database + "' is not a database name Weir accepts: use letters,"
                    + " digits and '_' (at most 64)");
        }
        String ledgerDatabase = get(options, WAREHOUSE_LEDGER_DATABASE, errors);
        if (ledgerDatabase != null && !DATABASE.matcher(ledgerDatabase).matches()) {
            errors.add(WAREHOUSE_LEDGER_DATABASE.key(), "'" + ledgerDatabase + "' is not a database name Weir accepts:"
                    + " use letters, digits and '_' (at most 64)");
        } else if (ledgerDatabase != null && ledgerDatabase.equalsIgnoreCase(database)) {
            errors.add(WAREHOUSE_LEDGER_DATABASE.key(), "'" + ledgerDatabase + "' is also warehouse.database: Weir's"
                    + " own tables need a database apart from the layers'; set warehouse.ledger-database to another"
                    + " name");
        }
        WarehouseConf warehouse = new WarehouseConf(
                uri(baseDir, required(options, WAREHOUSE_URI, errors)),
                database,
                catalogOptions(options, prefixed(flat, WAREHOUSE_OPTIONS_PREFIX), baseDir, errors),
                ledgerDatabase);
        List<SourceConf> sources = sources(options, flat, baseDir, name, errors);
        FlinkConf flink = flink(options, flat, baseDir, errors);
        SchedulerConf scheduler = scheduler(options, baseDir, errors);
        List<LayerConf> layers = layers(layersNode, templatesDir, startDate, references, errors);
        Optional<ServingConf> serving = flat.keySet().stream().anyMatch(k -> k.startsWith("serving."))
                ? Optional.of(serving(options, flat, baseDir, layers, errors))
                : Optional.empty();
        UiConf ui = ui(options, errors);
        errors.throwIfAny();
        List<LayerConf> ordered = new LayerGraph(layers).dependencyOrder(errors);
        errors.throwIfAny();
        java.time.ZoneId timeZone = timeZone(options, sources, errors);
        errors.throwIfAny();
        return new PipelineConf(confFile, name, startDate, timeZone, templatesDir, warehouse, sources, flink, ordered, scheduler,
                serving, secrets, ui);
    }

    private static JsonNode readYaml(Path file) {
        try {
            // A duplicate key or section would silently replace the earlier one (a whole flink: block).
            JsonNode root = new ObjectMapper(new YAMLFactory())
                    .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw WeirException.badInput(file + ": expected a YAML mapping with sections "
                        + "pipeline, warehouse, source, flink, layers");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw WeirException.badInput("pipeline conf not found: " + file);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw WeirException.badInput(file + where + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw WeirException.badInput("cannot read pipeline conf " + file + ": " + e.getMessage());
        }
    }

    private static void flatten(String key, JsonNode node, Map<String, String> flat, SecretReference references,
            ConfErrors errors) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(key + "." + e.getKey(), e.getValue(), flat, references, errors));
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    errors.add(key, "expected a list of plain values");
                    return;
                }
                items.add(references.resolve(key, item.asText(), errors));
            }
            if (!LIST_KEYS.contains(key.substring(key.indexOf(']') + 1).replaceFirst("^\\.", ""))) {
                errors.add(key, "expected a single value, got a list " + node);
                return;
            }
            flat.put(key, String.join(";", items));
        } else if (!node.isNull()) {
            flat.put(key, references.resolve(key, node.asText(), errors));
        }
    }

    private static void checkKnownKeys(Map<String, String> flat, List<ConfigOption<?>> known, List<String> prefixes,
            String keyPrefix, ConfErrors errors) {
        Set<String> knownKeys = known.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : flat.keySet()) {
            if (!knownKeys.contains(key) && prefixes.stream().noneMatch(key::startsWith)) {
                String section = key.contains(".") ? key.substring(0, key.indexOf('.') + 1) : "";
                List<String> siblings = knownKeys.stream().filter(k -> k.startsWith(section)).sorted().toList();
                String unknown = key;
                if (siblings.isEmpty() && !section.isEmpty()) {
                    // A misspelt section (partiton.column): name the section once, among the known ones.
                    unknown = section.substring(0, section.length() - 1);
                    siblings = knownKeys.stream().map(k -> k.contains(".") ? k.substring(0, k.indexOf('.')) : k)
                            .distinct().sorted().toList();
                }
                String moved = WeirOptions.MOVED_KEYS.get(key);
                errors.add(keyPrefix + unknown, moved != null ? "this key is now " + moved
                        : "unknown key" + closest(unknown, siblings).map(k -> ", did you mean " + k + "?").orElse("")
                                + " (known here: " + String.join(", ", siblings) + ")");
            }
        }
    }

    /** The known key one or two typos away from an unknown one, if there is exactly such one. */
    private static java.util.Optional<String> closest(String unknown, List<String> known) {
        List<String> near = known.stream()
                .filter(k -> org.apache.commons.lang.StringUtils.getLevenshteinDistance(k, unknown) <= 2).toList();
        return near.size() == 1 ? java.util.Optional.of(near.get(0)) : java.util.Optional.empty();
    }

    private static <T> T get(Configuration options, ConfigOption<T> option, ConfErrors errors) {
        try {
            return withUnit(options, option, option.key(), errors);
        } catch (IllegalArgumentException e) {
            errors.add(option.key(), invalid(option, options.toMap().get(option.key()), e));
            return option.hasDefaultValue() ? option.defaultValue() : null;
        }
    }

    /** Flink reads a duration without a unit as milliseconds: "quiet-timeout: 60" would be 60 ms. */
    private static <T> T withUnit(Configuration options, ConfigOption<T> option, String key, ConfErrors errors) {
        T value = options.get(option);
        String raw = options.toMap().get(option.key());
        if (value instanceof java.time.Duration && raw != null && raw.strip().matches("-?\\d+") && !raw.strip().matches("-?0+")) {
            errors.add(key, "expected a duration with its unit, such as " + raw.strip() + "s, 5min or 1h (without one"
                    + " it would be read as milliseconds), got '" + raw + "'");
            return option.hasDefaultValue() ? option.defaultValue() : null;
        }
        return value;
    }

    /** What was wrong with a value, in the conf's words rather than Java's. */
    static String invalid(ConfigOption<?> option, String value, Exception e) {
        Object example = option.hasDefaultValue() ? option.defaultValue() : null;
        String got = ", got '" + value + "'";
        if (example instanceof Enum) {
            return "expected one of " + String.join(", ", java.util.Arrays.stream(((Enum<?>) example).getDeclaringClass()
                    .getEnumConstants()).map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList()) + got;
        }
        if (example instanceof java.time.Duration) {
            return "expected a duration such as 30s, 5min or 1h" + got;
        }
        if (example instanceof Integer || example instanceof Long) {
            return "expected a whole number" + got;
        }
        if (example instanceof Double) {
            return "expected a number" + got;
        }
        return "invalid value '" + value + "': " + rootMessage(e);
    }

    /** The option's documentation as plain text. */
    static String described(ConfigOption<?> option) {
        return new org.apache.flink.configuration.description.HtmlFormatter().format(option.description())
                .replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }

    private static <T> T required(Configuration options, ConfigOption<T> option, ConfErrors errors) {
        T value = get(options, option, errors);
        if (value == null || value.toString().isBlank()) {
            errors.add(option.key(), "required: " + described(option));
        }
        return value;
    }

    private static void checkRange(ConfErrors errors, ConfigOption<Integer> option, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            errors.add(option.key(), "must be between " + min + " and " + max + ", got " + value);
        }
    }

    /**
     * The zone event times are written in: as said, or the one zone the MySQL sources' clocks are in
     * (their DATETIME columns are that wall clock), or UTC.
     */
    private static java.time.ZoneId timeZone(Configuration options, List<SourceConf> sources, ConfErrors errors) {
        String value = options.get(PIPELINE_TIME_ZONE);
        if (value != null) {
            try {
                return java.time.ZoneId.of(value);
            } catch (java.time.DateTimeException e) {
                errors.add(PIPELINE_TIME_ZONE.key(), "expected a time zone such as UTC, Asia/Shanghai or -05:00, got '"
                        + value + "'");
                return java.time.ZoneOffset.UTC;
            }
        }
        Map<String, String> zones = new java.util.TreeMap<>();
        for (SourceConf source : sources) {
            if (source.kind().keys().contains("server-time-zone")) {
                zones.put(source.name(), source.serverTimeZone());
            }
        }
        java.util.Set<java.time.ZoneId> distinct = new java.util.HashSet<>();
        for (String zone : zones.values()) {
            try {
                distinct.add(java.time.ZoneId.of(zone).normalized());
            } catch (java.time.DateTimeException e) {
                return java.time.ZoneOffset.UTC; // the source's own check names it
            }
        }
        if (distinct.size() > 1) {
            errors.add(PIPELINE_TIME_ZONE.key(), "required when sources' clocks are in different zones ("
                    + String.join(", ", zones.entrySet().stream().map(z -> z.getKey() + ": " + z.getValue()).toList())
                    + "): name the zone that event times and partition values are in");
            return java.time.ZoneOffset.UTC;
        }
        return distinct.isEmpty() ? java.time.ZoneOffset.UTC : java.time.ZoneId.of(zones.values().iterator().next());
    }

    private static LocalDate startDate(Configuration options, ConfErrors errors) {
        String value = get(options, PIPELINE_START_DATE, errors);
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            errors.add(PIPELINE_START_DATE.key(), "expected a date yyyy-MM-dd, got '" + value + "'");
            return LocalDate.EPOCH;
        }
    }

    /**
     * The {@code source} section (a source named "source") and every {@code sources.<name>}
     * section, each read and checked as a source section of its own.
     */
    private List<SourceConf> sources(Configuration options, Map<String, String> flat, Path baseDir, String pipeline,
            ConfErrors errors) {
        List<SourceConf> sources = new ArrayList<>();
        if (flat.keySet().stream().anyMatch(k -> k.startsWith("source."))) {
            sources.add(source(options, flat, baseDir, pipeline, "source", errors));
        }
        Set<String> names = new java.util.TreeSet<>();
        flat.keySet().stream().filter(k -> k.startsWith(NAMED_SOURCES_PREFIX))
                .forEach(k -> names.add(k.substring(NAMED_SOURCES_PREFIX.length()).split("\\.", 2)[0]));
        for (String sourceName : names) {
            String prefix = NAMED_SOURCES_PREFIX + sourceName + ".";
            if (!SOURCE_NAME.matcher(sourceName).matches() || sourceName.equals("source")) {
                errors.add(NAMED_SOURCES_PREFIX + sourceName, "'" + sourceName + "' cannot name a source: use lower-case"
                        + " letters, digits and '_', starting with a letter (and not 'source', the name of the source section)");
                continue;
            }
            Map<String, String> section = new TreeMap<>();
            flat.forEach((key, value) -> {
                if (key.startsWith(prefix)) {
                    section.put("source." + key.substring(prefix.length()), value);
                }
            });
            ConfErrors named = errors.naming("source.", prefix);
            checkKnownKeys(section, TOP_LEVEL, List.of(SOURCE_OPTIONS_PREFIX), "", named);
            sources.add(source(Configuration.fromMap(section), section, baseDir, pipeline, sourceName, named));
        }
        return sources;
    }

    private SourceConf source(Configuration options, Map<String, String> flat, Path baseDir, String pipeline,
            String sourceName, ConfErrors errors) {
        String type = get(options, SOURCE_TYPE, errors).toLowerCase(java.util.Locale.ROOT);
        SourceKind kind = SourceKinds.find(type);
        if (kind == null) {
            errors.add(SOURCE_TYPE.key(), "unknown type '" + type + "' (known: " + SourceKinds.known() + ")");
        } else {
            checkKindKeys(flat, "source.", kind.type(), kind.keys(), errors);
        }
        checkRange(errors, SOURCE_PORT, get(options, SOURCE_PORT, errors), 1, 65535);
        checkRange(errors, SOURCE_EMBEDDED_PORT, get(options, SOURCE_EMBEDDED_PORT, errors), 0, 65535);
        SourceConf source = new SourceConf(
                type,
                get(options, SOURCE_HOSTNAME, errors),
                get(options, SOURCE_PORT, errors),
                get(options, SOURCE_DATABASE, errors),
                get(options, SOURCE_USERNAME, errors),
                get(options, SOURCE_PASSWORD, errors),
                get(options, SOURCE_SERVER_ID_START, errors),
                get(options, SOURCE_SERVER_TIME_ZONE, errors),
                prefixed(flat, SOURCE_OPTIONS_PREFIX),
                baseDir.resolve(get(options, SOURCE_EMBEDDED_DIR, errors)).normalize(),
                get(options, SOURCE_EMBEDDED_PORT, errors),
                get(options, SOURCE_EMBEDDED_ORDERS_PER_SECOND, errors),
                get(options, SOURCE_BOOTSTRAP_SERVERS, errors),
                get(options, SOURCE_GROUP_ID_PREFIX, errors),
                pipeline,
                sourceName);
        if (kind != null) {
            kind.validate(source, errors::add);
        }
        return source;
    }

    private static FlinkConf flink(Configuration options, Map<String, String> flat, Path baseDir, ConfErrors errors) {
        FlinkTarget target = get(options, FLINK_TARGET, errors);
        String address = get(options, FLINK_ADDRESS, errors);
        if (target == FlinkTarget.REMOTE && address == null) {
            errors.add(FLINK_ADDRESS.key(), "target 'remote' needs the cluster's REST address as host:port");
        } else if (address != null) {
            try {
                HostPort.parse(address);
            } catch (IllegalArgumentException e) {
                errors.add(FLINK_ADDRESS.key(), "expected the REST address of the cluster as host:port; " + e.getMessage());
            }
        }
        int parallelism = get(options, FLINK_PARALLELISM, errors);
        checkRange(errors, FLINK_WEB_UI_PORT, get(options, FLINK_WEB_UI_PORT, errors), 0, 65535);
        checkRange(errors, FLINK_TASK_SLOTS, get(options, FLINK_TASK_SLOTS, errors), 1, 4096);
        checkRange(errors, FLINK_RESTART_ATTEMPTS, get(options, FLINK_RESTART_ATTEMPTS, errors), 0, 1000);
        checkRange(errors, FLINK_PARALLELISM, parallelism, 1, 4096);
        java.time.Duration checkpointInterval = get(options, FLINK_CHECKPOINT_INTERVAL, errors);
        if (checkpointInterval != null && checkpointInterval.toMillis() < 100) {
            errors.add(FLINK_CHECKPOINT_INTERVAL.key(), "must be at least 100 ms, got " + checkpointInterval);
        }
        java.time.Duration quiet = get(options, FLINK_QUIET_TIMEOUT, errors);
        if (quiet != null && quiet.isNegative()) {
            errors.add(FLINK_QUIET_TIMEOUT.key(), "must be zero (off) or positive, got " + quiet);
        }
        return new FlinkConf(target, address,
                get(options, FLINK_WEB_UI_PORT, errors),
                get(options, FLINK_TASK_SLOTS, errors),
                parallelism,
                checkpointInterval,
                uri(baseDir, get(options, FLINK_STATE_DIR, errors)),
                get(options, FLINK_SOURCE_IDLE_TIMEOUT, errors),
                quiet,
                get(options, FLINK_RESTART_ATTEMPTS, errors),
                get(options, FLINK_RESTART_DELAY, errors),
                jars(get(options, FLINK_JARS, errors), baseDir, errors),
                prefixed(flat, FLINK_OPTIONS_PREFIX));
    }

    /**
     * flink.jars as URIs: a plain path resolves against the conf's directory and must be a jar
     * that exists; a URI of another file system is taken as it is.
     */
    private static List<String> jars(List<String> listed, Path baseDir, ConfErrors errors) {
        List<String> uris = new java.util.ArrayList<>();
        if (listed == null) {
            return uris;
        }
        for (int i = 0; i < listed.size(); i++) {
            String jar = listed.get(i).trim();
            String key = FLINK_JARS.key() + "[" + i + "]";
            if (jar.contains("://") && !jar.startsWith("file:")) {
                uris.add(jar);
                continue;
            }
            Path path = jar.startsWith("file:") ? Path.of(java.net.URI.create(jar)) : baseDir.resolve(jar).normalize();
            if (!path.toString().endsWith(".jar")) {
                errors.add(key, "expected a .jar file, got '" + jar + "'");
            } else if (!java.nio.file.Files.isRegularFile(path)) {
                errors.add(key, "no such jar: " + path);
            } else {
                uris.add(path.toUri().toString());
            }
        }
        return uris;
    }

    private static ServingConf serving(Configuration options, Map<String, String> flat, Path baseDir,
            List<LayerConf> layers, ConfErrors errors) {
        String type = get(options, SERVING_TYPE, errors).toLowerCase(java.util.Locale.ROOT);
        ServingKind kind = ServingKinds.find(type);
        if (kind == null) {
            errors.add(SERVING_TYPE.key(), "unknown type '" + type + "' (known: " + ServingKinds.known() + ")");
        } else {
            checkKindKeys(flat, "serving.", kind.type(), kind.keys(), errors);
        }
        List<String> tables = get(options, SERVING_TABLES, errors);
        Set<String> layerTables = new java.util.TreeSet<>();
        layers.forEach(l -> layerTables.add(l.table()));
        for (String table : tables) {
            if (!layerTables.contains(table)) {
                errors.add(SERVING_TABLES.key(), "'" + table + "' is not the table of any layer (tables: "
                        + String.join(", ", layerTables) + ")");
            }
        }
        if (tables.isEmpty()) {
            errors.add(SERVING_TABLES.key(), "list the lake tables to serve, e.g. [dws_users, dws_shops]");
        }
        checkRange(errors, SERVING_EMBEDDED_PORT, get(options, SERVING_EMBEDDED_PORT, errors), 0, 65535);
        ServingConf serving = new ServingConf(type, get(options, SERVING_ENDPOINT, errors), get(options, SERVING_URL, errors),
                get(options, SERVING_DATABASE, errors), get(options, SERVING_SCHEMA, errors),
                get(options, SERVING_USERNAME, errors), get(options, SERVING_PASSWORD, errors), tables,
                baseDir.resolve(get(options, SERVING_EMBEDDED_DIR, errors)).normalize(),
                get(options, SERVING_EMBEDDED_PORT, errors), prefixed(flat, SERVING_OPTIONS_PREFIX));
        if (kind != null) {
            kind.validate(serving, errors::add);
        }
        return serving;
    }

    /**
     * A key of the section that its kind does not read is refused rather than ignored: a Hologres
     * endpoint left in a JDBC section would otherwise look as if it were used.
     */
    private static void checkKindKeys(Map<String, String> flat, String section, String type, Set<String> kindKeys,
            ConfErrors errors) {
        Set<String> common = Set.of("type", "tables");
        for (String key : flat.keySet()) {
            if (!key.startsWith(section) || key.startsWith(section + "options.")) {
                continue;
            }
            String local = key.substring(section.length());
            if (!common.contains(local) && !kindKeys.contains(local)) {
                errors.add(key, "not a key of " + section.substring(0, section.length() - 1) + " type '" + type
                        + "' (its keys: " + String.join(", ", new java.util.TreeSet<>(kindKeys)) + ", tables, options.*)");
            }
        }
    }

    private static UiConf ui(Configuration options, ConfErrors errors) {
        Integer port = get(options, UI_PORT, errors);
        checkRange(errors, UI_PORT, port, 0, 65535);
        String bind = get(options, UI_BIND, errors);
        return new UiConf(bind == null ? UI_BIND.defaultValue() : bind, port == null ? UI_PORT.defaultValue() : port);
    }

    private static SchedulerConf scheduler(Configuration options, Path baseDir, ConfErrors errors) {
        SchedulerStore store = get(options, SCHEDULER_STORE, errors);
        String jdbcUrl = get(options, SCHEDULER_JDBC_URL, errors);
        if (store == SchedulerStore.POSTGRESQL && (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:"))) {
            errors.add(SCHEDULER_JDBC_URL.key(), "store 'postgresql' needs a URL jdbc:postgresql://host:port/database");
        }
        java.time.Duration poll = get(options, SCHEDULER_POLL_INTERVAL, errors);
        if (poll != null && poll.toMillis() < 100) {
            errors.add(SCHEDULER_POLL_INTERVAL.key(), "must be at least 100 ms, got " + poll);
        }
        java.time.Duration wait = get(options, SCHEDULER_WAIT_TIMEOUT, errors);
        if (wait != null && (wait.isNegative() || wait.isZero())) {
            errors.add(SCHEDULER_WAIT_TIMEOUT.key(), "must be positive, got " + wait);
        }
        int attempts = get(options, SCHEDULER_MAX_ATTEMPTS, errors);
        if (attempts < 1) {
            errors.add(SCHEDULER_MAX_ATTEMPTS.key(), "must be at least 1 (the first run counts), got " + attempts);
        }
        java.time.Duration backoff = get(options, SCHEDULER_RETRY_BACKOFF, errors);
        if (backoff != null && backoff.isNegative()) {
            errors.add(SCHEDULER_RETRY_BACKOFF.key(), "must not be negative, got " + backoff);
        }
        int batchSize = get(options, SCHEDULER_BATCH_SIZE, errors);
        if (batchSize < 1) {
            errors.add(SCHEDULER_BATCH_SIZE.key(), "must be at least 1, got " + batchSize);
        }
        int maxCatchUp = get(options, SCHEDULER_MAX_CATCH_UP, errors);
        if (maxCatchUp < 1) {
            errors.add(SCHEDULER_MAX_CATCH_UP.key(), "must be at least 1, got " + maxCatchUp);
        }
        return new SchedulerConf(store, baseDir.resolve(get(options, SCHEDULER_DIR, errors)).normalize(), jdbcUrl,
                get(options, SCHEDULER_USERNAME, errors), get(options, SCHEDULER_PASSWORD, errors), poll, wait,
                attempts, backoff, batchSize, maxCatchUp);
    }

    private static Optional<LayerSchedule> schedule(Configuration options, Map<String, String> flat, String prefix,
            boolean partitioned, LocalDate pipelineStart, ConfErrors errors) {
        if (flat.keySet().stream().noneMatch(k -> k.startsWith("schedule."))) {
            return Optional.empty();
        }
        String cronKey = prefix + LAYER_SCHEDULE_CRON.key();
        String cron = prefixedGet(options, LAYER_SCHEDULE_CRON, prefix, errors);
        if (cron == null || cron.isBlank()) {
            errors.add(cronKey, "required with a schedule block: a Quartz cron expression such as '0 5 0 * * ?'"
                    + " (seconds minutes hours day-of-month month day-of-week)");
        } else {
            try {
                org.quartz.CronExpression.validateExpression(cron);
            } catch (java.text.ParseException e) {
                errors.add(cronKey, "invalid cron expression '" + cron + "': " + e.getMessage()
                        + " (expected seconds minutes hours day-of-month month day-of-week [year], e.g. '0 5 0 * * ?')");
            }
        }
        if (!partitioned) {
            errors.add(cronKey, "only a partitioned layer can be scheduled: the scheduler builds one time partition"
                    + " at a time (add a partition block, or drop the schedule)");
        }
        String rawLateness = flat.get(LAYER_SCHEDULE_ALLOWED_LATENESS.key());
        java.time.Duration lateness = null;
        if (rawLateness != null && rawLateness.strip().startsWith("-")) {
            // Flink's duration parser would only say the text does not start with a number.
            errors.add(prefix + LAYER_SCHEDULE_ALLOWED_LATENESS.key(), "must be zero or more (how far past a"
                    + " partition's end every upstream watermark must be), got '" + rawLateness + "'");
        } else {
            lateness = prefixedGet(options, LAYER_SCHEDULE_ALLOWED_LATENESS, prefix, errors);
        }
        LocalDate start = pipelineStart;
        String startValue = prefixedGet(options, LAYER_SCHEDULE_START_DATE, prefix, errors);
        if (startValue != null) {
            try {
                start = LocalDate.parse(startValue);
                if (start.isBefore(pipelineStart)) {
                    errors.add(prefix + LAYER_SCHEDULE_START_DATE.key(), "is before pipeline.start-date " + pipelineStart);
                }
            } catch (DateTimeParseException e) {
                errors.add(prefix + LAYER_SCHEDULE_START_DATE.key(), "expected a date yyyy-MM-dd, got '" + startValue + "'");
            }
        }
        Optional<LocalDate> end = Optional.empty();
        String endValue = prefixedGet(options, LAYER_SCHEDULE_END_DATE, prefix, errors);
        if (endValue != null) {
            try {
                end = Optional.of(LocalDate.parse(endValue));
                if (end.get().isBefore(start)) {
                    errors.add(prefix + LAYER_SCHEDULE_END_DATE.key(), "is before the schedule's start date " + start);
                }
            } catch (DateTimeParseException e) {
                errors.add(prefix + LAYER_SCHEDULE_END_DATE.key(), "expected a date yyyy-MM-dd, got '" + endValue + "'");
            }
        }
        return Optional.of(new LayerSchedule(cron, lateness == null ? java.time.Duration.ZERO : lateness, start, end));
    }

    private static List<LayerConf> layers(JsonNode layersNode, Path templatesDir, LocalDate pipelineStart,
            SecretReference references, ConfErrors errors) {
        List<LayerConf> layers = new ArrayList<>();
        if (layersNode == null || !layersNode.isArray() || layersNode.isEmpty()) {
            errors.add("layers", "expected a non-empty list of layers");
            return layers;
        }
        Set<String> names = new java.util.HashSet<>();
        Set<String> tables = new java.util.HashSet<>();
        for (int i = 0; i < layersNode.size(); i++) {
            String prefix = "layers[" + i + "].";
            JsonNode node = layersNode.get(i);
            if (!node.isObject()) {
                errors.add(prefix.substring(0, prefix.length() - 1), "expected a mapping with name, template, table, partition, upstream, schedule");
                continue;
            }
            Map<String, String> flat = new TreeMap<>();
            node.fields().forEachRemaining(e -> flatten(e.getKey(), e.getValue(), flat, references, errors));
            checkKnownKeys(flat, LAYER, List.of(), prefix, errors);
            Configuration options = Configuration.fromMap(flat);
            String name = prefixedRequired(options, LAYER_NAME, prefix, errors);
            if (name != null && !names.add(name)) {
                errors.add(prefix + "name", "duplicate layer name '" + name + "'");
            }
            String templateName = prefixedRequired(options, LAYER_TEMPLATE, prefix, errors);
            Path template = templateName == null ? null : templatesDir.resolve(templateName).normalize();
            if (template != null && !Files.isRegularFile(template)) {
                errors.add(prefix + "template", "template file not found: " + template);
            }
            String table = Optional.ofNullable(prefixedGet(options, LAYER_TABLE, prefix, errors)).orElse(name);
            if (table != null && !DATABASE.matcher(table).matches()) {
                errors.add(prefix + (flat.containsKey(LAYER_TABLE.key()) ? "table" : "name"), "'" + table
                        + "' cannot name a table: use letters, digits and '_' (at most 64)");
            } else if (table != null && !tables.add(table)) {
                errors.add(prefix + "table", "table " + table + " is written by an earlier layer too: a table has one"
                        + " writer (merge several INSERTs into one template instead)");
            }
            Optional<PartitionSpec> partition = Optional.empty();
            if (flat.keySet().stream().anyMatch(k -> k.startsWith("partition."))) {
                String column = prefixedRequired(options, LAYER_PARTITION_COLUMN, prefix, errors);
                int before = errors.count();
                PartitionSpec spec = new PartitionSpec(column,
                        prefixedGet(options, LAYER_PARTITION_FORMAT, prefix, errors),
                        prefixedGet(options, LAYER_PARTITION_GRANULARITY, prefix, errors));
                if (errors.count() == before) { // a bad granularity would also make a good format look wrong
                    spec.problem().ifPresent(p -> errors.add(prefix + LAYER_PARTITION_FORMAT.key(), p));
                }
                partition = Optional.of(spec);
            }
            List<String> upstream = prefixedGet(options, LAYER_UPSTREAM, prefix, errors);
            Optional<LayerSchedule> schedule = schedule(options, flat, prefix, partition.isPresent(), pipelineStart, errors);
            SealedPartitions sealed = prefixedGet(options, LAYER_SEALED_PARTITIONS, prefix, errors);
            java.time.Duration lookback = prefixedGet(options, LAYER_LOOKBACK, prefix, errors);
            if (lookback != null && lookback.isNegative()) {
                errors.add(prefix + LAYER_LOOKBACK.key(), "must not be negative, got '" + flat.get(LAYER_LOOKBACK.key()) + "'");
            }
            if (name == null || table == null) {
                continue; // reported above; a layer without a name cannot be checked further
            }
            Boolean verify = prefixedGet(options, LAYER_VERIFY, prefix, errors);
            if (Boolean.TRUE.equals(verify) && schedule.isEmpty()) {
                errors.add(prefix + LAYER_VERIFY.key(), "verifies what the scheduler builds: give the layer a schedule,"
                        + " or run weir verify yourself");
            }
            java.time.Duration freshness = prefixedGet(options, LAYER_FRESHNESS, prefix, errors);
            if (freshness != null && (freshness.isNegative() || freshness.isZero())) {
                errors.add(prefix + LAYER_FRESHNESS.key(), "must be a positive duration such as 30s or 2h, got '"
                        + flat.get(LAYER_FRESHNESS.key()) + "'");
            }
            layers.add(new LayerConf(name, template, table, partition, upstream == null ? List.of() : upstream,
                    schedule, sealed, lookback == null ? java.time.Duration.ZERO : lookback, Boolean.TRUE.equals(verify),
                    Optional.ofNullable(freshness)));
        }
        return layers;
    }

    private static <T> T prefixedGet(Configuration options, ConfigOption<T> option, String prefix, ConfErrors errors) {
        try {
            return withUnit(options, option, prefix + option.key(), errors);
        } catch (IllegalArgumentException e) {
            errors.add(prefix + option.key(), invalid(option, options.toMap().get(option.key()), e));
            return option.hasDefaultValue() ? option.defaultValue() : null;
        }
    }

    private static <T> T prefixedRequired(Configuration options, ConfigOption<T> option, String prefix, ConfErrors errors) {
        T value = prefixedGet(options, option, prefix, errors);
        if (value == null || value.toString().isBlank()) {
            errors.add(prefix + option.key(), "required: " + described(option));
            return null;
        }
        return value;
    }

    private static Map<String, String> prefixed(Map<String, String> flat, String prefix) {
        Map<String, String> result = new LinkedHashMap<>();
        flat.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                result.put(k.substring(prefix.length()), v);
            }
        });
        return result;
    }

    /** The warehouse's catalog options: its metastore kind's, and the user's {@code warehouse.options}. */
    private static Map<String, String> catalogOptions(Configuration options, Map<String, String> userOptions,
            Path baseDir, ConfErrors errors) {
        Metastore metastore = get(options, WAREHOUSE_METASTORE_TYPE, errors);
        String uri = options.getOptional(WAREHOUSE_METASTORE_URI).orElse(null);
        Path hiveConfDir = options.getOptional(WAREHOUSE_METASTORE_HIVE_CONF_DIR).map(baseDir::resolve)
                .map(Path::normalize).orElse(null);
        if (metastore == null) {
            return userOptions;
        }
        if (metastore == Metastore.HIVE) {
            String uris = uri;
            if (hiveConfDir != null) {
                try {
                    uris = uri != null ? uri : HiveSite.uris(hiveConfDir).orElse(null);
                    if (uris == null) {
                        errors.add(WAREHOUSE_METASTORE_HIVE_CONF_DIR.key(), hiveConfDir.resolve(HiveSite.FILE)
                                + " sets no hive.metastore.uris; set it there or in warehouse.metastore.uri");
                    }
                } catch (IllegalArgumentException e) {
                    errors.add(WAREHOUSE_METASTORE_HIVE_CONF_DIR.key(), e.getMessage());
                    uris = "";
                }
            }
            if (uris == null && hiveConfDir == null) {
                errors.add(WAREHOUSE_METASTORE_URI.key(), "required for type hive (or warehouse.metastore.hive-conf-dir):"
                        + " the metastore's thrift://host:port");
            } else if (uris != null && !uris.isEmpty() && !thriftUris(uris)) {
                errors.add(uri != null ? WAREHOUSE_METASTORE_URI.key() : WAREHOUSE_METASTORE_HIVE_CONF_DIR.key(),
                        "expected thrift://host:port, got '" + uris + "'" + (uri != null ? ""
                                : " as hive.metastore.uris in " + hiveConfDir.resolve(HiveSite.FILE)));
            }
        } else if (uri != null) {
            errors.add(WAREHOUSE_METASTORE_URI.key(), "only a metastore of type hive has a uri");
        } else if (hiveConfDir != null) {
            errors.add(WAREHOUSE_METASTORE_HIVE_CONF_DIR.key(), "only a metastore of type hive reads a hive-site.xml");
        }
        return metastore.catalogOptions(userOptions, uri, hiveConfDir == null ? null : hiveConfDir.toString());
    }

    /** Whether each of the comma-separated uris is thrift://host:port (an IPv6 host in brackets). */
    private static boolean thriftUris(String uris) {
        for (String uri : uris.split(",", -1)) {
            try {
                java.net.URI parsed = new java.net.URI(uri.trim());
                if (!"thrift".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 1
                        || parsed.getPort() > 65535 || parsed.getRawUserInfo() != null
                        || !(parsed.getRawPath() == null || parsed.getRawPath().isEmpty())
                        || parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
                    return false;
                }
            } catch (java.net.URISyntaxException e) {
                return false;
            }
        }
        return true;
    }

    /** A path relative to the conf file becomes a file:// URI; a URI with a scheme stays as it is. */
    private static String uri(Path baseDir, String value) {
        if (value == null || value.contains("://")) {
            return value;
        }
        return baseDir.resolve(value).normalize().toUri().toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** Environment for tests: the process environment plus overrides. */
    public static Map<String, String> environmentWith(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        return env;
    }
}
