package io.weir.runner;

/** An error Weir reports to its user; the exit code says whose fault it is. */
public class WeirException extends RuntimeException {

    /** Exit code for bad input: a conf, template or argument the user must fix. */
    public static final int BAD_INPUT = 2;
    /** Exit code for a job that failed while running. */
    public static final int JOB_FAILURE = 1;

    private final int exitCode;

    public WeirException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public WeirException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static WeirException badInput(String message) {
        return new WeirException(BAD_INPUT, message);
    }

    public static WeirException jobFailed(String message, Throwable cause) {
        return new WeirException(JOB_FAILURE, message, cause);
    }
}
