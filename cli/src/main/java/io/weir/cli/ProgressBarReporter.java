package io.weir.cli;

import io.weir.backfill.BackfillPlan;
import io.weir.backfill.BackfillProgress;
import io.weir.backfill.Chunk;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/** A backfill's progress on the terminal: partitions done of total, rows written, elapsed and ETA. */
final class ProgressBarReporter implements BackfillProgress {

    private final PrintStream stream;
    private final AtomicLong rows = new AtomicLong();
    private ProgressBar bar;

    ProgressBarReporter(PrintStream stream) {
        this.stream = stream;
    }

    @Override
    public synchronized void started(BackfillPlan plan) {
        bar = new ProgressBarBuilder()
                .setTaskName("backfill")
                .setInitialMax(plan.partitionCount())
                .setUnit(" partitions", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(stream))
                .build();
        bar.setExtraMessage("0 rows");
    }

    @Override
    public synchronized void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {
        bar.stepBy(chunk.partitionValues().size());
        bar.setExtraMessage(String.format("%,d rows", rows.addAndGet(rowsWritten)));
    }

    @Override
    public synchronized void chunkLeftToOtherRun(Chunk chunk, String why) {
        bar.stepBy(chunk.partitionValues().size());
    }

    @Override
    public synchronized void note(String message) {
        stream.println(message);
    }

    @Override
    public synchronized void finished() {
        if (bar != null) {
            bar.close();
        }
    }
}
