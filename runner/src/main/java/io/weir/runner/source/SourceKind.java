package io.weir.runner.source;

import io.weir.runner.conf.SourceConf;

import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One kind of source, chosen by {@code source.type} and found by that identifier among the kinds
 * on the class path ({@code META-INF/services}). A template names only its table and the
 * connector; the kind completes the table with the connection from the conf, says how a bounded
 * read for a backfill runs, and how readiness and the ledger name it.
 */
public interface SourceKind {

    /** The value of {@code source.type} that selects this kind. */
    String type();

    /** The {@code 'connector'} values of the template tables this kind completes. */
    Set<String> connectors();

    /**
     * Whether a template table of this kind's connector is one Weir completes. A table that names
     * its own server (a Kafka table with its own brokers, say) is the template's business.
     */
    default boolean completes(Map<String, String> tableOptions) {
        return true;
    }

    /** Whether the conf's {@code source.options.<key>} goes to this read's table (a connector may not take it). */
    default boolean takesOption(SourceRead read, String key) {
        return true;
    }

    /** Keys of the source section this kind reads, besides {@code type} and {@code options.*}. */
    Set<String> keys();

    /** Reports each problem of the section as (key, what was expected). */
    void validate(SourceConf conf, BiConsumer<String, String> problem);

    /** The options added to a template's source table; the template's own options win. */
    Map<String, String> tableOptions(SourceConf conf, SourceRead read);

    /**
     * Fails with a clear message (exit 2) when the completed table cannot be read as asked: a topic
     * that does not exist, a range older than what the source still keeps. Called before a job is
     * planned, never while rendering for display.
     */
    default void checkRead(SourceConf conf, Map<String, String> tableOptions, SourceRead read) {}

    /**
     * Whether a bounded read must run as a streaming job into a staging table first, because the
     * connector produces updates that a batch job cannot take.
     */
    boolean stagesBoundedReads();

    /** How the ledger names what a layer without upstream tables read, e.g. {@code mysql:order_dw}. */
    String upstreamRecord(SourceConf conf);

    /** The source in a few words for messages: where, never with credentials. */
    String label(SourceConf conf);

    /** A JDBC URL that answers quickly when the source is down, for health probes; empty when there is none. */
    java.util.Optional<String> probeUrl(SourceConf conf, int timeoutSeconds);

    /** Whether Weir starts this source itself (the quickstart's MariaDB). */
    default boolean embedded() {
        return false;
    }
}
