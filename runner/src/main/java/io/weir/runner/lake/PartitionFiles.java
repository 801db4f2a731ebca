package io.weir.runner.lake;

import org.apache.paimon.Snapshot;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.deletionvectors.DeletionVectorsIndexFile;
import org.apache.paimon.manifest.IndexManifestEntry;
import org.apache.paimon.manifest.ManifestEntry;
import org.apache.paimon.predicate.PredicateBuilder;
import org.apache.paimon.table.FileStoreTable;
import org.apache.paimon.table.source.snapshot.SnapshotReader;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What one partition of a table holds as a snapshot lists it: a digest of its data files' names
 * (and of its deletion vector files, where the table has them), and when its newest file was written.
 *
 * <p>Paimon never writes a file twice under one name, so an equal digest means the partition holds
 * exactly the rows it held then, whichever machine wrote them. The file time is the writer's wall
 * clock read in this JVM's zone: a writer in another zone skews it by hours, so it is shown but
 * never trusted to say that nothing changed.
 *
 * @param digest the files' names, sorted and hashed; {@link #NONE} when the partition has no file
 */
public record PartitionFiles(String digest, long lastWrittenMillis) {

    /** The digest of a partition without a data file. */
    public static final String NONE = "";

    /** Every partition of the table's newest snapshot; an unpartitioned table has none. */
    public static Map<String, PartitionFiles> of(FileStoreTable table) {
        Snapshot latest = table.partitionKeys().isEmpty() ? null : table.snapshotManager().latestSnapshot();
        return latest == null ? Map.of() : collect(table, latest, table.newSnapshotReader().withSnapshot(latest), v -> true);
    }

    /**
     * The named partitions as a snapshot held them (the table must be partitioned by one string
     * column, as Weir's layers are); one without a file is left out.
     */
    public static Map<String, PartitionFiles> of(FileStoreTable table, long snapshotId, Collection<String> values) {
        if (table.partitionKeys().isEmpty() || values.isEmpty()) {
            return Map.of();
        }
        List<Object> wanted = values.stream().distinct().map(v -> (Object) BinaryString.fromString(v)).toList();
        Snapshot snapshot = table.snapshotManager().snapshot(snapshotId);
        return collect(table, snapshot, table.newSnapshotReader().withSnapshot(snapshot)
                .withPartitionFilter(new PredicateBuilder(table.schema().logicalPartitionType()).in(0, wanted)),
                Set.copyOf(values)::contains);
    }

    private static Map<String, PartitionFiles> collect(FileStoreTable table, Snapshot snapshot, SnapshotReader reader,
            Predicate<String> wanted) {
        Map<String, TreeSet<String>> names = new TreeMap<>();
        Map<String, Long> newest = new TreeMap<>();
        Iterator<ManifestEntry> entries = reader.readFileIterator();
        while (entries.hasNext()) {
            ManifestEntry entry = entries.next();
            String value = entry.partition().getString(0).toString();
            names.computeIfAbsent(value, v -> new TreeSet<>()).add(entry.file().fileName());
            newest.merge(value, entry.file().creationTimeEpochMillis(), Math::max);
        }
        // A delete may change only a deletion vector, as Spark's DELETE does on an append table.
        deletionVectorFiles(table, snapshot).forEach((value, files) -> {
            if (wanted.test(value) && names.containsKey(value)) {
                files.forEach(file -> names.get(value).add(DELETION_VECTORS + file));
            }
        });
        Map<String, PartitionFiles> files = new TreeMap<>();
        names.forEach((value, fileNames) -> files.put(value, new PartitionFiles(digest(fileNames), newest.get(value))));
        return files;
    }

    private static final String DELETION_VECTORS = "deletion-vectors/";

    /**
     * The deletion vector index files of each partition as a snapshot holds them; none where the
     * table has no deletion vectors.
     */
    static Map<String, Set<String>> deletionVectorFiles(FileStoreTable table, Snapshot snapshot) {
        if (!table.coreOptions().deletionVectorsEnabled() || snapshot.indexManifest() == null) {
            return Map.of();
        }
        Map<String, Set<String>> files = new TreeMap<>();
        for (IndexManifestEntry entry : table.store().newIndexFileHandler()
                .scan(snapshot, DeletionVectorsIndexFile.DELETION_VECTORS_INDEX)) {
            files.computeIfAbsent(entry.partition().getString(0).toString(), v -> new TreeSet<>())
                    .add(entry.indexFile().fileName());
        }
        return files;
    }

    private static String digest(Collection<String> sortedNames) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String name : sortedNames) {
                sha.update(name.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
