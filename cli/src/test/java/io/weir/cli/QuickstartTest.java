package io.weir.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The README's first command, stopped with Ctrl-C (a real SIGINT) once the live change shows. */
class QuickstartTest {

    @TempDir Path dir;

    @Test
    void showsSeedTotalsThenTheLiveChangeAndStopsWithSavepointsOnCtrlC() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() ->
                Weir.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute("quickstart",
                        "--conf", CliRun.projectDir().resolve("conf/quickstart.yaml").toString(),
                        "--work-dir", dir.toString(), "--ui-port", "0", "--mysql-port", "0", "--serving-port", "0",
                        "--status-port", "0"));

        awaitOutput(out, run, "Status page: http://127.0.0.1:");
        awaitOutput(out, run, "user_001=8000.08, user_002=5000.05, user_003=5000.05");
        java.util.regex.Matcher page = java.util.regex.Pattern.compile("Status page: (http://\\S+)").matcher(out.toString());
        assertTrue(page.find(), out.toString());
        java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(page.group(1) + "api/status")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode());
        assertTrue(status.body().contains("\"layer\":\"dws_users\""), status.body());
        awaitOutput(out, run, "dws_users ds=20230215: user_001=8000.08, user_002=5000.05, user_003=11000.07");
        awaitOutput(out, run, "dws_shops ds=20230215: 12345=11000.07, 12346=4000.04, 12347=7000.07, 12348=2000.02");
        // Seed 000's serving queries, answered by the serving store the sync jobs keep equal to the lake.
        awaitOutput(out, run, "SELECT * FROM dws_users WHERE user_id = 'user_001' AND ds = '20230215'\n    -> user_001 | 20230215 | 8000.08");
        awaitOutput(out, run, "    -> 12345=11000.07, 12346=4000.04, 12347=7000.07, 12348=2000.02");

        // A backfill that ended while the sync job was down leaves its partition pending: the running
        // stream replaces it again once its sync job reads past the overwrite.
        io.weir.runner.conf.PipelineConf conf = ConfOption.load(CliRun.projectDir().resolve("conf/quickstart.yaml"));
        try (io.weir.runner.lake.Lake lake = new io.weir.runner.lake.Lake(new io.weir.runner.conf.WarehouseConf(
                dir.resolve("warehouse").toUri().toString(), conf.warehouse().database(), conf.warehouse().options(),
                conf.warehouse().ledgerDatabase()))) {
            long overwrite = lake.table("dws_users").snapshotManager().latestSnapshotId();
            new io.weir.runner.lake.PendingResyncs(lake).record("dws_users", java.util.List.of("20230215"), overwrite);
        }
        awaitOutput(out, run, "Serving dws_users: partitions [20230215] replaced again (the sync job read past their overwrite)");

        Signal.raise(new Signal("INT"));
        int exitCode = run.get(3, TimeUnit.MINUTES);
        assertEquals(0, exitCode, out + "\n" + err);
        assertTrue(out.toString().contains("Stopped. The next run resumes from these savepoints."), out.toString());
        try (Stream<Path> files = Files.walk(dir.resolve("state"))) {
            assertEquals(8, files.filter(p -> p.getFileName().toString().equals("_metadata")
                    && p.toString().contains("savepoints")).count(), "one savepoint per layer and per serving sync");
        }
    }

    private static void awaitOutput(StringWriter out, CompletableFuture<Integer> run, String expected) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (!out.toString().contains(expected)) {
            if (run.isDone()) {
                fail("quickstart ended (exit " + run.get() + ") before showing '" + expected + "':\n" + out);
            }
            if (Instant.now().isAfter(deadline)) {
                fail("no '" + expected + "' within 3 minutes:\n" + out);
            }
            Thread.sleep(200);
        }
    }
}
