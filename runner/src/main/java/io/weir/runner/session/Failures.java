package io.weir.runner.session;

/** Turns a job's exception chain into the one line a user needs. */
public final class Failures {

    private Failures() {}

    private static final String OWN_GUARD = "'weir: ";

    public static String rootCause(Throwable error) {
        if (isDiskFull(error)) {
            return DISK_FULL;
        }
        String malformed = malformedMessage(error);
        Throwable t = error;
        String message = t.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        if (message == null) {
            return t.getClass().getName();
        }
        int newline = message.indexOf('\n');
        String line = newline > 0 ? message.substring(0, newline) : message;
        // Weir's own guards fail a job by casting their message to a number: that message is the cause.
        int own = line.indexOf(OWN_GUARD);
        if (own >= 0) {
            int end = line.lastIndexOf('\'');
            return line.substring(own + OWN_GUARD.length(), end > own ? end : line.length());
        }
        return malformed + line + concurrentWriterHint(line) + io.weir.runner.cluster.MissingClass.hint(line);
    }

    /**
     * A message a source's format could not read (Flink's JSON formats say "Corrupt Debezium JSON
     * message '…'" above the parser's own error): named first, with the choice the user has.
     */
    static String malformedMessage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && ((message.startsWith("Corrupt ") && message.contains(" JSON message"))
                    || message.startsWith("Failed to deserialize JSON"))) {
                // The message's content may be personal data: enough to recognise it, no more.
                String shown = message.length() > 120 ? message.substring(0, 120) + "…'" : message;
                return shown + " (a source message its format cannot read: fix what produced it, or set"
                        + " '<format>.ignore-parse-errors' = 'true' on the template's table, which skips such a message"
                        + " and reads a field of the wrong type as NULL) caused by ";
            }
        }
        return "";
    }

    /**
     * Paimon's words for two writers committing to the same files: a backfill and a stream over the
     * same partitions, or two streams of one layer. Said plainly, since the cause is elsewhere.
     */
    static String concurrentWriterHint(String message) {
        return isCommitConflict(message)
                ? " (another writer committed to the same partitions at the same time: a backfill of them, or a"
                        + " second job of this layer)"
                : "";
    }

    /** What a failure of a full disk says, whichever writer met it first. */
    public static final String DISK_FULL = "no space left on device: a disk this run writes to is full (the"
            + " warehouse's, or the temp dir's for Flink's spill files); nothing of the failed part was committed";

    /**
     * Whether a full disk (or an exhausted quota) caused a failure: every later write fails the same
     * way, so a run stops instead of trying its other parts.
     */
    public static boolean isDiskFull(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a failure is Paimon refusing a commit that another writer's commit overtook. */
    public static boolean isCommitConflict(String message) {
        return message.contains("File deletion conflicts detected") || message.contains("not previously added")
                || message.contains("LSM conflicts detected");
    }

    /**
     * Whether Flink refused to restore saved state into a job: the new program lacks an operator
     * the state belongs to, or an operator's state no longer has the type it was saved with.
     */
    public static boolean isStateIncompatible(String message) {
        return message.contains("Cannot map checkpoint/savepoint state") || message.contains("StateMigrationException")
                || message.contains("must not be incompatible") || message.contains("Failed to rollback to checkpoint/savepoint")
                || message.contains("incompatible with the old state serializer")
                || message.contains("is not compatible with the old");
    }

    /**
     * The innermost cause of a stack trace as Flink's REST API gives it: its last {@code Caused by:}
     * line, or its first line when it has none. Flink wraps a state that does not fit in a
     * "Error while getting state" whose cause says which state and why.
     */
    public static String innermostCause(String trace) {
        String innermost = trace.lines().findFirst().orElse("");
        for (String line : trace.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("Caused by: ")) {
                innermost = trimmed.substring("Caused by: ".length());
            }
        }
        return innermost;
    }
}
