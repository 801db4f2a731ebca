package io.weir.runner;

import io.weir.runner.conf.LayerConf;
import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;
import io.weir.runner.session.FlinkSession;
import io.weir.runner.session.RunningStream;
import io.weir.runner.session.StreamRunner;
import io.weir.sandbox.EmbeddedMariaDb;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What an end-to-end test class shares: the sample MariaDB, the pipeline conf, one Flink cluster,
 * the lake, and the stream it started last. Closed in reverse order, the stream first.
 */
public final class StreamFixture implements AutoCloseable {

    public final EmbeddedMariaDb mariaDb;
    public final PipelineConf conf;
    public final FlinkSession session;
    public final Lake lake;
    private RunningStream stream;

    private StreamFixture(EmbeddedMariaDb mariaDb, PipelineConf conf) {
        this.mariaDb = mariaDb;
        this.conf = conf;
        this.session = FlinkSession.start(conf.flink());
        this.lake = new Lake(conf.warehouse());
    }

    /** @param sections edits the standard conf sections (flink, source, ...) before the example layers are added */
    public static StreamFixture start(Path dir, UnaryOperator<String> sections) throws Exception {
        EmbeddedMariaDb mariaDb = SampleSource.start(dir);
        try {
            return new StreamFixture(mariaDb, TestConfs.load(TestConfs.write(dir,
                    sections.apply(TestConfs.standardSections(dir, mariaDb.port(), SampleSource.DATABASE)))));
        } catch (RuntimeException e) {
            mariaDb.close();
            throw e;
        }
    }

    /** Streams these layers, resuming from their saved state; the fixture cancels it on close. */
    public RunningStream stream(List<LayerConf> layers) {
        stream = new StreamRunner(conf, session).start(layers, false);
        return stream;
    }

    /**
     * Commits an order paid on the next evening (2023-02-16 20:00) and waits until dwd_orders' watermark
     * passes the sample day's end: 2023-02-15 is then sealed, and changes to it are late. The stream
     * must be running, since a row already there when it started moves no watermark of a quiet split.
     */
    public void sealTheSampleDay(java.time.Duration timeout) throws Exception {
        SampleSource.execute(mariaDb,
                "INSERT INTO orders VALUES (100050, 'user_003', 12345, 1, 1.00, '2023-02-16 20:00:00', '2023-02-16 20:00:00', 1)",
                "INSERT INTO orders_pay VALUES (2050, 100050, 1, '2023-02-16 20:00:00')");
        long dayEnd = java.time.LocalDate.of(2023, 2, 16).atStartOfDay().toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        Await.until(timeout, () -> {
            stream.checkHealthy();
            // Every table a backfill of the day is judged by, not only dwd_orders: its watermark can pass
            // from the orders input alone while the idle payments input is left out.
            return java.util.stream.Stream.of("ods_orders", "ods_orders_pay", "dwd_orders")
                    .allMatch(t -> lake.watermark(t).orElse(Long.MIN_VALUE) >= dayEnd);
        }, () -> "watermarks: ods_orders " + lake.watermark("ods_orders") + ", ods_orders_pay "
                + lake.watermark("ods_orders_pay") + ", dwd_orders " + lake.watermark("dwd_orders"));
    }

    @Override
    public void close() throws Exception {
        if (stream != null) {
            stream.cancel();
        }
        lake.close();
        session.close();
        mariaDb.close();
    }
}
