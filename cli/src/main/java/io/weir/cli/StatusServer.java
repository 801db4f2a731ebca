package io.weir.cli;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import io.weir.backfill.LedgerEntry;
import io.weir.runner.WeirException;
import io.weir.runner.conf.UiConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves the status page and its JSON API from the lake and the ledger, as weir status reads them:
 * {@code /api/status} (the model of weir status --json), {@code /api/grid?days=N&end=T} (each
 * layer's partitions over a window) and {@code /api/ledger?table=T&partition=P}. The cluster's
 * jobs and the endpoints are probed in the background, so no request waits on the network.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    private static final int DEFAULT_DAYS = 14;
    private static final int MAX_DAYS = 3660;
    private static final Duration PROBE_EVERY = Duration.ofSeconds(5);

    private final java.util.concurrent.atomic.AtomicLong answered;
    private final Undertow server;
    private final ScheduledExecutorService prober;
    private final String url;

    private StatusServer(java.util.concurrent.atomic.AtomicLong answered, Undertow server,
            ScheduledExecutorService prober, String url) {
        this.answered = answered;
        this.server = server;
        this.prober = prober;
        this.url = url;
    }

    /** Starts serving; a port that is taken is a clear error (exit 2), naming the key to change. */
    public static StatusServer start(PipelineStatus status, UiConf ui) {
        java.util.Set<String> hosts = new java.util.HashSet<>(List.of("localhost", "127.0.0.1", "::1", "[::1]"));
        hosts.add(ui.bind());
        Api api = new Api(status, java.util.Set.copyOf(hosts),
                ui.bind().equals("0.0.0.0") || ui.bind().equals("::"), new java.util.concurrent.atomic.AtomicLong());
        RoutingHandler routes = new RoutingHandler()
                .get("/api/status", api.json(exchange -> status.report()))
                .get("/api/grid", api.json(exchange -> {
                    int days = intParam(exchange, "days", DEFAULT_DAYS, 1, MAX_DAYS);
                    Instant until = endParam(exchange, status.eventNow());
                    try {
                        return status.grid(until.minus(days, ChronoUnit.DAYS), until);
                    } catch (io.weir.scheduler.PartitionGrid.TooLarge e) {
                        throw new BadParameter(e.getMessage());
                    }
                }))
                .get("/api/ledger", api.json(exchange -> history(status, exchange)))
                .setFallbackHandler(new ResourceHandler(
                        new ClassPathResourceManager(StatusServer.class.getClassLoader(), "io/weir/ui/"))
                        .setWelcomeFiles("index.html"));
        Undertow server = Undertow.builder()
                .addHttpListener(ui.port(), ui.bind())
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setHandler(routes)
                .build();
        try {
            server.start();
        } catch (RuntimeException e) {
            throw WeirException.badInput("weir ui cannot listen on " + ui.bind() + ":" + ui.port() + " ("
                    + rootMessage(e) + "): set ui.port, or --port");
        }
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-ui-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(() -> {
            try {
                status.probe();
            } catch (RuntimeException e) {
                LOG.warn("probing the cluster and endpoints failed: {}", e.toString());
            }
        }, 0, PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        String host = ui.bind().equals("0.0.0.0") || ui.bind().equals("::") ? "localhost"
                : ui.bind().contains(":") ? "[" + ui.bind() + "]" : ui.bind();
        return new StatusServer(api.answered(), server, prober, "http://" + host + ":" + port + "/");
    }

    public String url() {
        return url;
    }

    /** How many API requests it has answered: a caller can wait for a page to be polling. */
    public long answered() {
        return answered.get();
    }

    private static List<LedgerRow> history(PipelineStatus status, HttpServerExchange exchange) {
        String table = param(exchange, "table");
        String partition = param(exchange, "partition");
        if (table == null || partition == null) {
            throw new BadParameter("/api/ledger needs table and partition, e.g. ?table=dws_users&partition=20230215");
        }
        try {
            return status.history(table, partition).stream().map(LedgerRow::of).toList();
        } catch (IllegalArgumentException e) {
            throw new BadParameter(e.getMessage());
        }
    }

    /** A ledger entry with its times as instants (the ledger stores UTC wall times). */
    record LedgerRow(String runId, String table, String partition, String layer, String mode,
            io.weir.backfill.RunStatus status, long rowsWritten, String sqlHash, String error, Instant startedAt,
            Instant finishedAt, String retryOf) {

        static LedgerRow of(LedgerEntry e) {
            return new LedgerRow(e.runId(), e.table(), e.partition(), e.layer(), e.mode(), e.status(), e.rowsWritten(),
                    e.sqlHash(), e.error(), e.startedAt() == null ? null : e.startedAt().toInstant(ZoneOffset.UTC),
                    e.finishedAt() == null ? null : e.finishedAt().toInstant(ZoneOffset.UTC), e.retryOf());
        }
    }

    /** A request parameter that is missing or malformed: a 400 with its message. */
    static final class BadParameter extends RuntimeException {
        BadParameter(String message) {
            super(message);
        }
    }

    private interface Model {
        Object of(HttpServerExchange exchange) throws Exception;
    }

    /**
     * Answers with a model as JSON: a bad parameter is a 400 with its message, any other failure a
     * 500 whose message has the conf's secrets masked. Only names of this machine (or the bind
     * address) may ask: a page on 127.0.0.1 is still reachable from a website through DNS rebinding.
     * A bind to all addresses answers any name, as its owner chose.
     */
    private record Api(PipelineStatus status, java.util.Set<String> hosts, boolean anyHost,
            java.util.concurrent.atomic.AtomicLong answered, Answers answers) {

        Api(PipelineStatus status, java.util.Set<String> hosts, boolean anyHost,
                java.util.concurrent.atomic.AtomicLong answered) {
            this(status, hosts, anyHost, answered, new Answers());
        }

        HttpHandler json(Model model) {
            return exchange -> {
                if (exchange.isInIoThread()) {
                    exchange.dispatch(json(model));
                    return;
                }
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                // Kept, but asked again every time: an unchanged answer is then a 304 without a body.
                exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
                exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
                if (!anyHost && !hosts.contains(exchange.getHostName())) {
                    exchange.setStatusCode(StatusCodes.FORBIDDEN);
                    exchange.getResponseSender().send("{\"error\":\"unknown host\"}");
                    return;
                }
                int code = StatusCodes.OK;
                Object body;
                try {
                    body = model.of(exchange);
                } catch (BadParameter e) {
                    code = StatusCodes.BAD_REQUEST;
                    body = java.util.Map.of("error", String.valueOf(e.getMessage()));
                } catch (Exception e) {
                    LOG.warn("{} failed", exchange.getRequestPath(), e);
                    code = StatusCodes.INTERNAL_SERVER_ERROR;
                    body = java.util.Map.of("error", status.mask(String.valueOf(e.getMessage())));
                }
                answered.incrementAndGet();
                if (code != StatusCodes.OK) {
                    exchange.setStatusCode(code);
                    exchange.getResponseSender().send(StatusJson.MAPPER.writeValueAsString(body));
                    return;
                }
                Answer answer = answers.of(body);
                exchange.getResponseHeaders().put(Headers.ETAG, answer.etag());
                if (answer.etag().equals(exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH))) {
                    exchange.setStatusCode(StatusCodes.NOT_MODIFIED);
                    exchange.endExchange();
                    return;
                }
                exchange.getResponseSender().send(answer.json());
            };
        }
    }

    /** A model as sent: its JSON, and a tag of that JSON for the browser to ask whether it changed. */
    private record Answer(String json, String etag) {}

    /**
     * The JSON of the models answered last, reused while a model is the very same object: the
     * status and grid are kept until what they read changes, and a page polling an idle pipeline
     * would otherwise have them written out anew every few seconds.
     */
    private static final class Answers {
        private static final int KEPT = 16;
        private final java.util.Map<Object, Answer> byModel = new java.util.LinkedHashMap<>(32, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<Object, Answer> eldest) {
                return size() > KEPT;
            }
        };

        synchronized Answer of(Object model) throws com.fasterxml.jackson.core.JsonProcessingException {
            Answer known = byModel.get(new Identity(model));
            if (known != null) {
                return known;
            }
            String json = StatusJson.MAPPER.writeValueAsString(model);
            Answer answer = new Answer(json, etag(json));
            byModel.put(new Identity(model), answer);
            return answer;
        }

        private static String etag(String json) {
            try {
                byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return "\"" + java.util.HexFormat.of().formatHex(hash, 0, 12) + "\"";
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }
    }

    /** A key equal only to the same object: models are records, and equal ones need not be reused. */
    private record Identity(Object of) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity identity && identity.of == of;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(of);
        }
    }

    private static String param(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isBlank() ? null : values.peekFirst();
    }

    private static int intParam(HttpServerExchange exchange, String name, int fallback, int min, int max) {
        String value = param(exchange, name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadParameter(name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    /** The window's end: the parameter, or the end of the current hour so today's partitions show. */
    /** The grid's end, in partition time: by default the hour after the pipeline's wall clock now. */
    private static Instant endParam(HttpServerExchange exchange, Instant eventNow) {
        String value = param(exchange, "end");
        try {
            return value == null ? eventNow.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS) : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadParameter("end must be an instant such as 2023-02-18T00:00:00Z, got '" + value + "'");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    @Override
    public void close() {
        prober.shutdownNow();
        server.stop();
    }
}
