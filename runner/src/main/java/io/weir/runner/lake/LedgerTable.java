package io.weir.runner.lake;

import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.sink.BatchTableCommit;
import org.apache.paimon.table.sink.BatchTableWrite;
import org.apache.paimon.table.sink.BatchWriteBuilder;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One of Weir's own Paimon tables in the ledger database (seals, upgrades, verifications, serving
 * re-syncs): created with its schema on the first write, read as absent-means-empty before.
 */
public final class LedgerTable {

    private final Catalog catalog;
    private final Identifier identifier;
    private final Schema schema;

    public LedgerTable(Lake lake, String name, Schema schema) {
        this.catalog = lake.catalog();
        this.identifier = Identifier.create(lake.ledgerDatabase(), name);
        this.schema = schema;
    }

    public Identifier identifier() {
        return identifier;
    }

    /** The table, created if missing. */
    public Table open() {
        try {
            catalog.createDatabase(identifier.getDatabaseName(), true);
            catalog.createTable(identifier, schema, true);
            return catalog.getTable(identifier);
        } catch (Catalog.DatabaseNotExistException | Catalog.DatabaseAlreadyExistException
                | Catalog.TableAlreadyExistException | Catalog.TableNotExistException e) {
            throw new IllegalStateException("cannot create " + identifier + ": " + e.getMessage(), e);
        }
    }

    /** The table if it exists yet. */
    public Optional<Table> existing() {
        try {
            return Optional.of(catalog.getTable(identifier));
        } catch (Catalog.TableNotExistException e) {
            return Optional.empty();
        }
    }

    /** Every row, or none before the table exists. */
    public List<Map<String, Object>> rows() {
        return existing().map(Lake::rows).orElse(List.of());
    }

    /** Rows of one partition value set, or none before the table exists. */
    public List<Map<String, Object>> rows(Map<String, String> partition) {
        return existing().map(t -> Lake.rows(t, null, partition)).orElse(List.of());
    }

    /**
     * Writes rows in one commit, creating the table first if missing.
     *
     * @param what what the rows are, for the error
     */
    public void write(Collection<? extends InternalRow> rows, String what) {
        if (rows.isEmpty()) {
            return;
        }
        BatchWriteBuilder builder = open().newBatchWriteBuilder();
        try (BatchTableWrite write = builder.newWrite(); BatchTableCommit commit = builder.newCommit()) {
            for (InternalRow row : rows) {
                write.write(row);
            }
            commit.commit(write.prepareCommit());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record " + what + " in " + identifier + ": " + e.getMessage(), e);
        }
    }
}
