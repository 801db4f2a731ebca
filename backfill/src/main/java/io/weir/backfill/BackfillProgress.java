package io.weir.backfill;

/** Hears about a backfill as it goes; called from the threads that run chunks. */
public interface BackfillProgress {

    void started(BackfillPlan plan);

    /** A chunk's job is about to be submitted. */
    default void chunkStarted(Chunk chunk) {}

    void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded);

    /** A chunk not run because another live run was building its partitions when this one came to it. */
    default void chunkLeftToOtherRun(Chunk chunk, String why) {}

    void finished();

    /** Something the user should know that is not a chunk's outcome, such as a dead run resolved. */
    default void note(String message) {}

    BackfillProgress NONE = new BackfillProgress() {
        @Override
        public void started(BackfillPlan plan) {}

        @Override
        public void chunkFinished(Chunk chunk, long rowsWritten, boolean succeeded) {}

        @Override
        public void finished() {}
    };
}
