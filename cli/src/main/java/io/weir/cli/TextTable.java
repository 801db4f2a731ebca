package io.weir.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain terminal table: columns as wide as their widest cell, long cells cut with an ellipsis. */
final class TextTable {

    private static final int MAX_CELL = 90;

    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = header;
    }

    void row(String... cells) {
        String[] row = new String[header.length];
        for (int i = 0; i < header.length; i++) {
            String cell = i < cells.length && cells[i] != null ? cells[i] : "";
            row[i] = cell.length() > MAX_CELL ? cell.substring(0, MAX_CELL - 1) + "…" : cell;
        }
        rows.add(row);
    }

    void print(PrintWriter out) {
        int[] widths = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            widths[i] = header[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        line(out, header, widths);
        rows.forEach(row -> line(out, row, widths));
    }

    private static void line(PrintWriter out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            line.append(i == cells.length - 1 ? cells[i] : String.format("%-" + widths[i] + "s  ", cells[i]));
        }
        out.println(line.toString().stripTrailing());
    }
}
