package io.weir.runner.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * A class the cluster could not load, named with the jar of Weir's job lib that holds it: a bare
 * {@code ClassNotFoundException} on a cluster means a jar missing from {@code flink.jars} (or from
 * the cluster's lib/), and the user needs to know which one.
 */
public final class MissingClass {

    private static final Pattern MISSING = Pattern.compile(
            "(?:ClassNotFoundException|NoClassDefFoundError)(?::| )\\s*(?:Could not initialize class )?([\\w$./]+)");

    private MissingClass() {}

    /** The hint for a failure line, or empty when it is not about a missing class. */
    public static String hint(String failure) {
        Matcher m = MISSING.matcher(failure);
        if (!m.find()) {
            return unreadable(failure);
        }
        String className = m.group(1).replace('/', '.');
        String entry = className.replace('.', '/') + ".class";
        return jarOf(entry)
                .map(jar -> " (the cluster cannot load " + className + ", which " + jar + " holds: ship it with the job,"
                        + " leaving flink.jars out to ship Weir's whole job lib, or put it in the cluster's lib/)")
                .orElse(" (the cluster cannot load " + className + ": a jar is missing from flink.jars or from the"
                        + " cluster's lib/)");
    }

    /**
     * The cluster could not read the objects the client serialized (sources, formats, Jackson
     * mappers): the classes it loaded from the job's jars are not the ones the client wrote them with.
     */
    private static String unreadable(String failure) {
        if (!failure.contains("StreamCorruptedException") && !failure.contains("InvalidClassException")
                && !failure.contains("local class incompatible")) {
            return "";
        }
        return " (the cluster could not read what this client serialized: the jars shipped with the job hold other"
                + " versions of its classes than Weir's own, or lack them. Leave flink.jars out to ship Weir's job lib,"
                + " or list the same, unshaded jars)";
    }

    private static Optional<String> jarOf(String entry) {
        String dir = System.getProperty(JobJars.LIB_PROPERTY);
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            return Optional.empty();
        }
        try (Stream<Path> jars = Files.list(Path.of(dir))) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().filter(p -> contains(p, entry))
                    .map(p -> p.getFileName().toString()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean contains(Path jar, String entry) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry(entry) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
