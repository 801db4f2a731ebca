package io.weir.runner.session;

/** Turns a job's exception chain into the one line a user needs. */
public final class Failures {

    private Failures() {}

    public static String rootCause(Throwable error) {
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
        return newline > 0 ? message.substring(0, newline) : message;
    }
}
