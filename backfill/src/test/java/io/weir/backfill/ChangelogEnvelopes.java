package io.weir.backfill;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Writes a table's changelog as the messages Debezium and Canal themselves produce: an update is one
 * message carrying the row before and after ({@code "op": "u"}, {@code "type": "UPDATE"}).
 * Flink's own debezium-json and canal-json writers split an update into a delete and an insert, two
 * messages a checkpoint can fall between, which no binlog connector does.
 */
final class ChangelogEnvelopes implements FlatMapFunction<Row, String> {

    enum Format { DEBEZIUM, CANAL }

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final Format format;
    private final String database;
    private final String table;
    private final List<String> columns;
    private transient ObjectMapper json;
    /** The -U half of an update; CDC emits it together with its +U, so no barrier falls between. */
    private transient Row before;

    ChangelogEnvelopes(Format format, String database, String table, List<String> columns) {
        this.format = format;
        this.database = database;
        this.table = table;
        this.columns = List.copyOf(columns);
    }

    @Override
    public void flatMap(Row row, Collector<String> out) throws Exception {
        if (json == null) {
            json = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
        }
        RowKind kind = row.getKind();
        if (kind == RowKind.UPDATE_BEFORE) {
            before = row;
            return;
        }
        if (kind == RowKind.UPDATE_AFTER && before == null) {
            throw new IllegalStateException(table + ": an update's new row came without its old one: " + row);
        }
        Row old = kind == RowKind.UPDATE_AFTER ? before : null;
        before = null;
        out.collect(json.writeValueAsString(format == Format.DEBEZIUM ? debezium(kind, old, row) : canal(kind, old, row)));
    }

    private ObjectNode debezium(RowKind kind, Row old, Row row) {
        ObjectNode message = json.createObjectNode();
        message.set("before", kind == RowKind.INSERT ? null : object(kind == RowKind.DELETE ? row : old));
        message.set("after", kind == RowKind.DELETE ? null : object(row));
        message.put("op", switch (kind) {
            case INSERT -> "c";
            case UPDATE_AFTER -> "u";
            case DELETE -> "d";
            default -> throw new IllegalArgumentException(kind.toString());
        });
        return message;
    }

    private ObjectNode canal(RowKind kind, Row old, Row row) {
        ObjectNode message = json.createObjectNode();
        message.putArray("data").add(object(row));
        if (old != null) {
            message.putArray("old").add(object(old));
        }
        message.put("type", switch (kind) {
            case INSERT -> "INSERT";
            case UPDATE_AFTER -> "UPDATE";
            case DELETE -> "DELETE";
            default -> throw new IllegalArgumentException(kind.toString());
        });
        message.put("database", database);
        message.put("table", table);
        message.put("isDdl", false);
        return message;
    }

    private ObjectNode object(Row row) {
        ObjectNode object = json.createObjectNode();
        for (int i = 0; i < columns.size(); i++) {
            Object value = row.getField(i);
            String name = columns.get(i);
            if (value == null) {
                object.putNull(name);
            } else if (value instanceof LocalDateTime time) {
                object.put(name, TIMESTAMP.format(time));
            } else if (value instanceof BigDecimal decimal) {
                object.put(name, decimal);
            } else if (value instanceof Long number) {
                object.put(name, number);
            } else if (value instanceof Integer number) {
                object.put(name, number);
            } else {
                object.put(name, value.toString());
            }
        }
        return object;
    }
}
