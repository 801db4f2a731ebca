package io.weir.runner.template;

import java.util.ArrayList;
import java.util.List;

/**
 * The first step of a batch run whose source can only be read by a streaming job (a bounded CDC
 * snapshot): copy the range into a staging table, which the batch overwrite then reads.
 *
 * @param table the staging table's full name
 * @param createStatements its database and DDL (the target's columns, primary key and partitioning)
 * @param temporaryObjects the template's helpers, sources included, for the streaming job
 * @param insert the streaming job's single INSERT INTO the staging table
 * @param dropTable removes the staging table once the overwrite committed
 */
public record Staging(String table, List<String> createStatements, List<String> temporaryObjects, String insert,
        String dropTable) {

    /** Statements to execute one by one before the streaming job (its catalog comes first). */
    public List<String> setupStatements(List<String> catalogStatements) {
        List<String> setup = new ArrayList<>(catalogStatements);
        setup.addAll(createStatements);
        setup.addAll(temporaryObjects);
        return setup;
    }
}
