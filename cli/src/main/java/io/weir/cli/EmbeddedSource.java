package io.weir.cli;

import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.SourceConf;
import io.weir.sandbox.EmbeddedMariaDb;
import io.weir.sandbox.OrderGenerator;
import io.weir.sandbox.OrderWarehouseSample;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The embedded default source: a MariaDB server holding the example warehouse's business tables,
 * seed 000's sample rows and a generator of new paid orders. Its data directory persists, so a
 * stream stopped with a savepoint resumes against the same binlog.
 */
final class EmbeddedSource implements AutoCloseable {

    private final PipelineConf conf;
    private final EmbeddedMariaDb mariaDb;
    private OrderGenerator generator;

    private EmbeddedSource(PipelineConf conf, EmbeddedMariaDb mariaDb) {
        this.conf = conf;
        this.mariaDb = mariaDb;
    }

    /** Starts the server when the conf's source is 'embedded'; otherwise returns null. */
    static EmbeddedSource startIfEmbedded(PipelineConf conf) {
        SourceConf source = conf.embeddedSource().orElse(null);
        if (source == null || !source.embedded()) {
            return null;
        }
        EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(source.embeddedDir(), source.embeddedPort());
        EmbeddedSource embedded = new EmbeddedSource(
                conf.withSource(source.at(mariaDb.host(), mariaDb.port())), mariaDb);
        try {
            mariaDb.createDatabase(source.database());
            try (Connection c = mariaDb.connect(source.database())) {
                OrderWarehouseSample.createSchema(c);
                OrderWarehouseSample.loadSampleRowsIfEmpty(c);
            }
        } catch (SQLException e) {
            embedded.close();
            throw new WeirException(WeirException.JOB_FAILURE, "embedded MariaDB: cannot load the sample warehouse: "
                    + e.getMessage(), e);
        }
        return embedded;
    }

    /** The pipeline conf pointing at the running server. */
    PipelineConf conf() {
        return conf;
    }

    int port() {
        return mariaDb.port();
    }

    void startGenerator() {
        double rate = conf.embeddedSource().orElseThrow().embeddedOrdersPerSecond();
        if (rate <= 0) {
            return;
        }
        try {
            generator = new OrderGenerator(this::connect, rate).start();
        } catch (SQLException e) {
            throw new WeirException(WeirException.JOB_FAILURE, "order generator: " + e.getMessage(), e);
        }
    }

    long ordersGenerated() {
        return generator == null ? 0 : generator.ordersWritten();
    }

    /** Seed 000's live change (order 100008 and payment 2008), applied once per database. */
    boolean applyLiveChangeOnce() {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM orders WHERE order_id = 100008")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return false;
            }
            OrderWarehouseSample.applyLiveChange(c);
            return true;
        } catch (SQLException e) {
            throw new WeirException(WeirException.JOB_FAILURE, "embedded MariaDB: " + e.getMessage(), e);
        }
    }

    private Connection connect() {
        try {
            return mariaDb.connect(conf.embeddedSource().orElseThrow().database());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (generator != null) {
                generator.close();
            }
        } catch (SQLException ignored) {
            // the server stops next anyway
        }
        mariaDb.close();
    }
}
