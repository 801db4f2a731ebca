package io.weir.backfill;

import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.Timestamp;
import org.apache.paimon.types.RowType;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Ledger entries to and from the rows of the ledger's tables, by column name. */
final class LedgerRows {

    private LedgerRows() {}

    static List<LedgerEntry> entries(List<Map<String, Object>> rows) {
        List<LedgerEntry> entries = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            entries.add(entry(row));
        }
        return entries;
    }

    static LedgerEntry entry(Map<String, Object> row) {
        String pipeline = (String) row.get("pipeline");
        return new LedgerEntry(
                (String) row.get("run_id"), (String) row.get("table_name"), (String) row.get("partition_value"),
                pipeline == null || pipeline.isEmpty() ? null : pipeline, (String) row.get("layer"),
                (String) row.get("mode"), (String) row.get("window_start"), (String) row.get("window_end"),
                (String) row.get("sql_hash"), (String) row.get("upstream"),
                row.get("rows_written") == null ? 0 : (Long) row.get("rows_written"),
                RunStatus.valueOf((String) row.get("status")), (String) row.get("error"),
                (LocalDateTime) row.get("started_at"), (LocalDateTime) row.get("finished_at"),
                (String) row.get("retry_of"), lease(row));
    }

    /** The entry as a row of a ledger table, whose columns are a subset of these names. */
    static GenericRow row(LedgerEntry e, RowType type) {
        Map<String, Object> values = new HashMap<>();
        values.put(LedgerTables.RUN_DAY, s(LedgerTables.runDay(e.runId())));
        values.put("run_id", s(e.runId()));
        values.put("table_name", s(e.table()));
        values.put("partition_value", s(e.partition()));
        // A partition key is never null; entries of an old ledger may lack the pipeline.
        values.put("pipeline", s(e.pipeline() == null ? "" : e.pipeline()));
        values.put("layer", s(e.layer()));
        values.put("mode", s(e.mode()));
        values.put("window_start", s(e.windowStart()));
        values.put("window_end", s(e.windowEnd()));
        values.put("sql_hash", s(e.sqlHash()));
        values.put("upstream", s(e.upstream()));
        values.put("rows_written", e.rowsWritten());
        values.put("status", s(e.status().name()));
        values.put("error", s(e.error()));
        values.put("started_at", t(e.startedAt()));
        values.put("finished_at", t(e.finishedAt()));
        values.put("retry_of", s(e.retryOf()));
        values.put("owner", s(e.lease() == null ? null : e.lease().owner()));
        values.put("heartbeat_at", e.lease() == null || e.lease().heartbeat() == null ? null
                : Timestamp.fromInstant(e.lease().heartbeat()));
        List<String> names = type.getFieldNames();
        GenericRow row = new GenericRow(names.size());
        for (int i = 0; i < names.size(); i++) {
            if (!values.containsKey(names.get(i))) {
                throw new IllegalStateException("ledger column " + names.get(i) + " has no value");
            }
            row.setField(i, values.get(names.get(i)));
        }
        return row;
    }

    private static Lease lease(Map<String, Object> row) {
        String owner = (String) row.get("owner");
        Object heartbeat = row.get("heartbeat_at");
        if (owner == null && heartbeat == null) {
            return null;
        }
        // TIMESTAMP_LTZ values are read back as UTC wall-clock times.
        return new Lease(owner, heartbeat == null ? null
                : ((LocalDateTime) heartbeat).toInstant(java.time.ZoneOffset.UTC));
    }

    private static BinaryString s(String value) {
        return value == null ? null : BinaryString.fromString(value);
    }

    private static Timestamp t(LocalDateTime value) {
        return value == null ? null : Timestamp.fromLocalDateTime(value);
    }
}
