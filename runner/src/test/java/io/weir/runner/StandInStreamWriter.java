package io.weir.runner;

import io.weir.runner.lake.Lake;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.disk.IOManager;
import org.apache.paimon.manifest.ManifestCommittable;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.sink.CommitMessage;
import org.apache.paimon.table.sink.StreamTableWrite;
import org.apache.paimon.table.sink.StreamWriteBuilder;
import org.apache.paimon.table.sink.TableCommitImpl;
import org.apache.paimon.types.DataTypes;

import java.time.Instant;
import java.util.Map;

/**
 * Commits to a lake table as Flink's Paimon sink does at each checkpoint: a checkpoint id for
 * identifier, and the operator's watermark (none for a job without event time). Each commit adds one
 * row, keyed by the checkpoint, to a table of columns {@code (ds STRING, k BIGINT)}.
 */
public final class StandInStreamWriter implements AutoCloseable {

    private static final IOManager IO = IOManager.create(System.getProperty("java.io.tmpdir"));
    private final StreamTableWrite write;
    private final TableCommitImpl commit;
    private final String partition;
    private long checkpoint;

    public StandInStreamWriter(Lake lake, String table, String partition) {
        StreamWriteBuilder builder = lake.table(table).copy(Map.of("write-only", "true")).newStreamWriteBuilder();
        this.write = (StreamTableWrite) builder.newWrite().withIOManager(IO);
        this.commit = ((TableCommitImpl) builder.newCommit()).ignoreEmptyCommit(false);
        this.partition = partition;
    }

    /** Creates a table of the columns a stand-in writes, {@code (ds STRING, k BIGINT)}, partitioned by ds or not. */
    public static void createTable(Lake lake, String name, boolean partitioned) throws Exception {
        Schema.Builder schema = Schema.newBuilder().column("ds", DataTypes.STRING().notNull())
                .column("k", DataTypes.BIGINT().notNull()).primaryKey("ds", "k").option("bucket", "1");
        if (partitioned) {
            schema.partitionKeys("ds");
        }
        lake.catalog().createDatabase(lake.database(), true);
        lake.catalog().createTable(Identifier.create(lake.database(), name), schema.build(), false);
    }

    /** @param watermark the watermark the commit records, or null for none */
    public void commit(Instant watermark) throws Exception {
        checkpoint++;
        write.write(GenericRow.of(BinaryString.fromString(partition), checkpoint));
        ManifestCommittable committable = new ManifestCommittable(checkpoint, watermark == null ? null : watermark.toEpochMilli());
        for (CommitMessage message : write.prepareCommit(false, checkpoint)) {
            committable.addFileCommittable(message);
        }
        commit.commit(committable);
    }

    /** Commits no row, as the sink does at a checkpoint with nothing to write: a heartbeat. */
    public void heartbeat(Instant watermark) throws Exception {
        checkpoint++;
        commit.commit(new ManifestCommittable(checkpoint, watermark == null ? null : watermark.toEpochMilli()));
    }

    @Override
    public void close() throws Exception {
        write.close();
        commit.close();
    }
}
