package io.weir.runner.cluster;

import io.weir.runner.WeirException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jars that go with every job to a remote cluster: {@code flink.jars} when the conf lists
 * them, otherwise Weir's own job lib (module cli/job-lib: the CDC connector with its Debezium and
 * Kafka Connect jars, Paimon, the Hadoop client and the serving connector), in the order of its
 * classpath.txt, since the connector's patched Debezium classes must come first.
 */
public record JobJars(List<URI> jars, String origin) {

    /** The directory of the job lib; bin/weir and the build set it. */
    public static final String LIB_PROPERTY = "weir.job-lib";

    public static JobJars resolve(List<String> listed) {
        if (!listed.isEmpty()) {
            return new JobJars(listed.stream().map(URI::create).toList(), "flink.jars");
        }
        String dir = System.getProperty(LIB_PROPERTY);
        Path lib = dir == null ? null : Path.of(dir);
        if (lib == null || !Files.isRegularFile(lib.resolve("classpath.txt"))) {
            throw WeirException.badInput("flink.target is remote and flink.jars is empty, but this Weir has no job lib"
                    + (lib == null ? "" : " at " + lib) + " to ship: run Weir through bin/weir, or list the jars the"
                    + " cluster lacks in flink.jars");
        }
        try {
            List<URI> jars = new ArrayList<>();
            for (String entry : Files.readString(lib.resolve("classpath.txt")).trim().split(java.io.File.pathSeparator)) {
                Path jar = lib.resolve(Path.of(entry).getFileName());
                if (!Files.isRegularFile(jar)) {
                    throw WeirException.badInput("the job lib " + lib + " lacks " + jar.getFileName()
                            + " that its classpath.txt lists: rebuild Weir (mvn -DskipTests install)");
                }
                jars.add(jar.toUri());
            }
            return new JobJars(jars, lib.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the job lib " + lib, e);
        }
    }

    /** Their total size in MB, for the user to see what each job carries. */
    public long megabytes() {
        long bytes = 0;
        for (URI jar : jars) {
            if ("file".equals(jar.getScheme())) {
                try {
                    bytes += Files.size(Path.of(jar));
                } catch (IOException e) {
                    // a jar that vanished fails the submission with its own message
                }
            }
        }
        return Math.round(bytes / 1_000_000.0);
    }

    public String summary() {
        return jars.size() + " jars (" + megabytes() + " MB) from " + origin;
    }
}
