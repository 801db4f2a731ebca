package io.weir.sandbox;

import java.nio.file.Path;

/** A process that runs the embedded MariaDB on a directory until it is killed: the "other Weir process" of tests. */
public final class MariaDbHolder {

    private MariaDbHolder() {}

    public static void main(String[] args) throws Exception {
        EmbeddedMariaDb db = EmbeddedMariaDb.start(Path.of(args[0]), 0);
        db.createDatabase("keep");
        try (var c = db.connect("keep"); var s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)");
            s.execute("INSERT IGNORE INTO t VALUES (42)");
        }
        System.out.println("ready " + db.port());
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this process
    }
}
