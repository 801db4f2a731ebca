package io.weir.sandbox;

import java.nio.file.Path;

/** A process that runs the embedded PostgreSQL on a directory until it is killed: the "other Weir process" of tests. */
public final class PostgresHolder {

    private PostgresHolder() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(args[0]), 0);
        postgres.createDatabase("weir");
        System.out.println("ready " + postgres.port());
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this process
    }
}
