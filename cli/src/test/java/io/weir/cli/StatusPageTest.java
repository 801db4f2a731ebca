package io.weir.cli;

import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.runner.SampleSource;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import io.weir.runner.conf.UiConf;
import io.weir.runner.lake.Lake;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * weir ui's page in a real headless Chromium, against the example warehouse on a real MariaDB, while
 * real backfills run: the graph, the grid and the runs render; a backfill's progress and the
 * waiting reasons change without a reload; a failed partition shows its error.
 */
class StatusPageTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    /** A layer that fails at run time: its cast of 'user_001' to INT throws in every job. */
    private static final String BROKEN = """
            CREATE TABLE IF NOT EXISTS dws_user_numbers (
              user_number INT NOT NULL,
              ds STRING NOT NULL,
              PRIMARY KEY (user_number, ds) NOT ENFORCED
            ) PARTITIONED BY (ds);

            INSERT INTO dws_user_numbers
            SELECT CAST(order_user_id AS INT), ds
            FROM dwd_orders
            WHERE ds BETWEEN '${start_date}' AND '${end_date}';
            """;

    @TempDir static Path dir;
    static EmbeddedMariaDb mariaDb;
    static Path confFile;
    static Lake lake;
    static StatusServer server;
    static ChromeDriver browser;
    /** The backfill the page follows; waited for before the servers it uses stop. */
    static CompletableFuture<CliRun> cascade;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(Files.createDirectories(dir.resolve("chromium")));
        mariaDb = SampleSource.start(dir.resolve("mariadb"));
        Path templates = Files.createDirectories(dir.resolve("templates"));
        try (Stream<Path> files = Files.list(CliRun.projectDir().resolve("sql-templates"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".sql")).toList()) {
                Files.copy(f, templates.resolve(f.getFileName()));
            }
        }
        Files.writeString(templates.resolve("dws_user_numbers.sql"), BROKEN);
        Files.writeString(dir.resolve("mysql-password"), "any");
        String quickstart = Files.readString(CliRun.projectDir().resolve("conf/quickstart.yaml"));
        confFile = dir.resolve("pipeline.yaml");
        Files.writeString(confFile, "pipeline:\n  name: order_dw\n  start-date: 2023-01-01\n"
                + "templates: " + templates + "\n"
                + "warehouse:\n  uri: " + dir.resolve("warehouse").toUri() + "\n  database: order_dw\n"
                + "source:\n  hostname: 127.0.0.1\n  port: " + mariaDb.port() + "\n  database: order_dw\n"
                + "  username: root\n  password: ${file:" + dir.resolve("mysql-password") + "}\n"
                + "flink:\n  web-ui-port: 0\n  parallelism: 1\n  checkpoint-interval: 1s\n"
                + "  state-dir: " + dir.resolve("state").toUri() + "\n"
                + quickstart.substring(quickstart.indexOf("\nlayers:") + 1)
                + "  - name: dws_user_numbers\n    template: dws_user_numbers.sql\n"
                + "    partition: { column: ds, format: yyyyMMdd, granularity: day }\n    upstream: [dwd_orders]\n");
        PipelineConf conf = new PipelineConfLoader().load(confFile);
        lake = new Lake(conf.warehouse());
        server = StatusServer.start(new PipelineStatus(conf, lake), new UiConf("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cascade != null) {
            try {
                cascade.get(TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            } catch (Exception e) {
                // reported by the test itself
            }
        }
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (lake != null) {
            lake.close();
        }
        if (mariaDb != null) {
            mariaDb.close();
        }
    }

    @Test
    void answersOnlyNamesOfThisMachine() throws Exception {
        java.net.URL url = new java.net.URL(server.url());
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.getOutputStream().write(("GET /api/status HTTP/1.1\r\nHost: weir.attacker.example\r\n"
                    + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 403"), "a rebinding website is refused: " + response);
        }
    }

    @Test
    void showsTheGraphGridAndRunsAndFollowsABackfillWithoutAReload() throws Exception {
        browser.get(server.url() + "?end=2023-02-18T00:00:00Z&days=5");
        await("the page loads", () -> "true".equals(browser.findElement(By.tagName("body")).getAttribute("data-loaded")));

        List<String> nodes = browser.findElements(By.cssSelector("#graph g.node")).stream()
                .map(n -> n.getAttribute("data-layer")).toList();
        assertEquals(List.of("dwd_orders", "dws_shops", "dws_user_numbers", "dws_users", "ods_orders",
                "ods_orders_pay", "ods_product_catalog"), nodes.stream().sorted().toList(), "one node per layer");
        assertEquals("scheduled", node("dws_users").getAttribute("data-kind").toLowerCase());
        assertEquals(5, cells("dws_users").size(), "five days of a daily layer");
        // Before anything is built, the scheduled layer waits on its upstream, and says so on hover.
        await("dws_users 20230215 waits on dwd_orders", () -> cell("dws_users", "20230215").getAttribute("data-state")
                .equals("WAITING") && cell("dws_users", "20230215").getAttribute("title").contains("dwd_orders partition 20230215: not built"));
        assertTrue(browser.findElement(By.id("waiting")).getText().contains("dwd_orders partition 20230215: not built"),
                browser.findElement(By.id("waiting")).getText());
        browser.executeScript("window.weirMarker = 'the same page'");

        assertEquals(0, CliRun.of("backfill", "--conf", confFile.toString(), "--layer", "ods_product_catalog",
                "--from", "2023-02-14", "--to", "2023-02-16").exitCode());
        assertEquals(0, CliRun.of("backfill", "--conf", confFile.toString(), "--layer", "ods_orders_pay",
                "--from", "2023-02-14", "--to", "2023-02-16").exitCode());
        cascade = CompletableFuture.supplyAsync(() -> CliRun.of("backfill", "--conf",
                confFile.toString(), "--layer", "ods_orders", "--from", "2023-02-14", "--to", "2023-02-16", "--cascade",
                "--batch-size", "1"));

        // Both are seen while the backfill runs, in whichever refresh shows them.
        boolean[] seen = new boolean[2];
        await("a running backfill with its progress, and a partition shown running", () -> {
            seen[0] |= browser.findElements(By.cssSelector("#runs .run[data-state='RUNNING'] .progress-text")).stream()
                    .anyMatch(p -> p.getText().matches("\\d+\\s*/\\s*\\d+"));
            seen[1] |= !browser.findElements(By.cssSelector("#grid .cell[data-state='RUNNING']")).isEmpty();
            if (cascade.isDone() && !(seen[0] && seen[1])) {
                fail("the backfill ended before the page showed it running (progress " + seen[0] + ", cell " + seen[1] + ")");
            }
            return seen[0] && seen[1];
        });

        CliRun run = cascade.get(TIMEOUT.toMinutes(), TimeUnit.MINUTES);
        assertEquals(1, run.exitCode(), "the broken layer fails the backfill: " + run.out() + run.err());
        await("the failed run with its error", () -> browser.findElements(By.cssSelector("#runs .run[data-state='FAILED'] .error"))
                .stream().anyMatch(e -> e.getAttribute("textContent").contains("NumberFormatException")));
        await("the failed partition with its error on hover", () -> cell("dws_user_numbers", "20230215")
                .getAttribute("data-state").equals("FAILED") && cell("dws_user_numbers", "20230215").getAttribute("title").contains("NumberFormatException"));
        await("dwd_orders built", () -> cells("dwd_orders").stream().filter(c -> c.getAttribute("data-state").equals("BUILT")).count() == 3);
        await("dws_users 20230215 built", () -> cell("dws_users", "20230215").getAttribute("data-state").equals("BUILT"));
        // The built days no longer wait: the first waiting partition is now the first day not built.
        await("the waiting list moved on", () -> browser.findElements(By.cssSelector("#waiting tr.waiting[data-layer='dws_users']"))
                .stream().findFirst().map(r -> r.getAttribute("data-partition").equals("20230217")).orElse(false));
        assertEquals("the same page", browser.executeScript("return window.weirMarker"), "no reload happened");

        cell("dws_user_numbers", "20230215").click();
        await("the partition's ledger entries", () -> browser.findElement(By.id("ledger")).getText().contains("FAILED"));
        Path screenshot = CliRun.projectDir().resolve("cli/target/status-page.png");
        Files.createDirectories(screenshot.getParent());
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 2400));
        browser.executeScript("window.scrollTo(0, 0)");
        Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
        assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the page");

        HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.url() + "api/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, api.statusCode());
        assertTrue(api.body().contains("\"writtenBy\":\"BATCH\""), api.body());
        assertTrue(api.body().matches("(?s).*\"now\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\".*"), "times are ISO instants: " + api.body());
        // Unchanged, the answer is a 304 without a body. The report is recomputed every 30 s (lags
        // move with time), so a pair of requests may straddle that once, not three times.
        int notModified = 0;
        for (int attempt = 0; attempt < 3 && notModified == 0; attempt++) {
            HttpResponse<String> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.url() + "api/status")).build(), HttpResponse.BodyHandlers.ofString());
            String etag = first.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("no ETag: " + first.headers()));
            HttpResponse<String> again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.url() + "api/status")).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (again.statusCode() == 304) {
                assertEquals("", again.body());
                notModified++;
            }
        }
        assertEquals(1, notModified, "nothing changed: no body to send again");
        HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.url() + "api/status")).header("If-None-Match", "\"other\"").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, other.statusCode());
        HttpResponse<String> bad = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.url() + "api/grid?days=nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("days must be a whole number"), bad.body());
    }

    private static WebElement node(String layer) {
        return browser.findElement(By.cssSelector("#graph g.node[data-layer='" + layer + "']"));
    }

    private static List<WebElement> cells(String layer) {
        return browser.findElements(By.cssSelector("#grid .row[data-layer='" + layer + "'] .cell"));
    }

    private static WebElement cell(String layer, String partition) {
        return browser.findElement(By.cssSelector("#grid .row[data-layer='" + layer + "'] .cell[data-partition='" + partition + "']"));
    }

    /** Polls the page until the condition holds; the page refreshes itself, the test never reloads it. */
    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // an element replaced by the refresh between finding and reading it
            }
            Thread.sleep(200);
        }
        fail("not within " + TIMEOUT + ": " + what + (last == null ? "" : " (" + last + ")") + "\n"
                + browser.findElement(By.tagName("body")).getText());
    }
}
