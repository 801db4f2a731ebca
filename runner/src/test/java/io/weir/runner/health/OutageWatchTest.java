package io.weir.runner.health;

import io.weir.runner.conf.Secrets;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real MariaDB and PostgreSQL stopped and started again: each outage and recovery is said once. */
class OutageWatchTest {

    @TempDir Path dir;

    @Test
    void saysWhenTheSourceOrServingGoesDownAndComesBack() throws Exception {
        EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), 0);
        EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("postgres"), 0);
        int mysqlPort = mariaDb.port();
        try {
            mariaDb.createDatabase("shop");
            Endpoint source = new Endpoint("source 127.0.0.1:" + mysqlPort + "/shop", "jdbc:mysql://127.0.0.1:" + mysqlPort
                    + "/shop?useSSL=false&connectTimeout=3000&socketTimeout=3000", "root", "");
            Endpoint serving = new Endpoint("serving 127.0.0.1:" + postgres.port() + "/postgres",
                    postgres.jdbcUrl("postgres") + "?connectTimeout=3", EmbeddedPostgres.USER, "");
            List<String> lines = new ArrayList<>();
            OutageWatch watch = new OutageWatch(List.of(source, serving), new Secrets(), Clock.systemUTC(), Duration.ZERO,
                    lines::add);

            watch.poll();
            assertEquals(List.of(), lines, "both up: nothing to say");

            mariaDb.close();
            postgres.stop();
            watch.poll();
            watch.poll();
            assertEquals(2, lines.size(), "each outage said once: " + lines);
            assertTrue(lines.get(0).startsWith(source.name() + " is unreachable: "), lines.get(0));
            assertTrue(lines.get(1).startsWith(serving.name() + " is unreachable: "), lines.get(1));
            assertEquals(List.of(source.name(), serving.name()), List.copyOf(watch.down().keySet()));

            mariaDb = EmbeddedMariaDb.start(dir.resolve("mariadb"), mysqlPort);
            postgres.restart();
            watch.poll();
            assertEquals(4, lines.size(), lines.toString());
            assertTrue(lines.get(2).matches(java.util.regex.Pattern.quote(source.name()) + " is reachable again, after \\d+ s"),
                    lines.get(2));
            assertTrue(lines.get(3).startsWith(serving.name() + " is reachable again, after "), lines.get(3));
            assertTrue(watch.down().isEmpty());
        } finally {
            mariaDb.close();
            postgres.close();
        }
    }
}
