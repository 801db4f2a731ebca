package io.weir.runner.serving;

import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;

import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One kind of serving store, chosen by {@code serving.type} and found by that identifier among
 * the kinds on the class path ({@code META-INF/services}). A kind says which keys of the
 * {@code serving} section it reads, checks them, writes the stream's changes through a Flink
 * connector and replaces partitions over JDBC.
 */
public interface ServingKind {

    /** The value of {@code serving.type} that selects this kind. */
    String type();

    /** Keys of the serving section this kind reads, besides {@code type}, {@code tables} and {@code options.*}. */
    Set<String> keys();

    /** Reports each problem of the section as (key, what was expected). */
    void validate(ServingConf conf, BiConsumer<String, String> problem);

    /** The Flink connector options of the table's streaming sink (before the section's own {@code options}). */
    Map<String, String> sinkOptions(ServingConf conf, String table);

    /** The JDBC side: table checks, partition replacement and reads. */
    ServingStore store(ServingConf conf, Secrets secrets);

    /** A JDBC URL that answers quickly when the store is down, for health probes. */
    String probeUrl(ServingConf conf, int timeoutSeconds);

    /** Where a table is served, for messages: never with credentials. */
    String describe(ServingConf conf, String table);

    /** The store in a few words for the console, e.g. "Hologres host:5432/db". */
    String label(ServingConf conf);

    /** Whether Weir starts this store itself (the quickstart's local PostgreSQL). */
    default boolean embedded() {
        return false;
    }
}
