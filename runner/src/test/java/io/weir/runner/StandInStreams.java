package io.weir.runner;

import io.weir.runner.lake.Lake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stand-in streaming jobs: one {@link StandInStreamWriter} per table, committing a round every 150 ms,
 * the pace of a checkpoint, on a thread of their own until closed. Close rethrows what failed them.
 */
public final class StandInStreams implements AutoCloseable {

    /** What each round commits, to each table's writer. */
    public interface Round {
        void commit(Map<String, StandInStreamWriter> writers) throws Exception;
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final Thread thread;

    private StandInStreams(Lake lake, List<String> tables, Round round) {
        thread = new Thread(() -> {
            Map<String, StandInStreamWriter> writers = new LinkedHashMap<>();
            try {
                for (String table : tables) {
                    writers.put(table, new StandInStreamWriter(lake, table, "20230215"));
                }
                while (running.get()) {
                    round.commit(writers);
                    Thread.sleep(150);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failed.set(t);
            } finally {
                for (StandInStreamWriter writer : writers.values()) {
                    try {
                        writer.close();
                    } catch (Exception e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }
        }, "stand-in-streams");
        thread.start();
    }

    public static StandInStreams start(Lake lake, List<String> tables, Round round) {
        return new StandInStreams(lake, tables, round);
    }

    /** What failed the streams so far, for a waiting test's message; null while they run. */
    public Throwable failure() {
        return failed.get();
    }

    @Override
    public void close() throws Exception {
        running.set(false); // not an interrupt: it would close a writer's file channel under it
        thread.join();
        if (failed.get() != null) {
            throw new AssertionError("a stand-in stream failed", failed.get());
        }
    }
}
