package io.weir.cli;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.ServingConf;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Seed 000's serving queries against the serving store, printed whenever their answers change. */
final class ServingView {

    static final String POINT_QUERY = "SELECT * FROM dws_users WHERE user_id = 'user_001' AND ds = '20230215'";
    static final String SHOPS_QUERY = "SELECT shop_id, paied_buy_fee_sum FROM dws_shops WHERE ds = '20230215' ORDER BY shop_id";

    private final PrintWriter out;
    private String lastShown = "";

    ServingView(PrintWriter out) {
        this.out = out;
    }

    void refresh(PipelineConf conf) {
        ServingConf serving = conf.serving().orElse(null);
        if (serving == null) {
            return;
        }
        StringBuilder view = new StringBuilder();
        try (Connection c = serving.store(conf.secrets()).connect("dws_users");
                Statement s = c.createStatement()) {
            view.append("  ").append(POINT_QUERY).append("\n    -> ");
            try (ResultSet rs = s.executeQuery(POINT_QUERY)) {
                view.append(rs.next() ? rs.getString("user_id") + " | " + rs.getString("ds") + " | "
                        + rs.getBigDecimal("paied_buy_fee_sum").toPlainString() : "(no row yet)").append('\n');
            }
            view.append("  ").append(SHOPS_QUERY).append("\n    -> ");
            StringBuilder shops = new StringBuilder();
            try (ResultSet rs = s.executeQuery(SHOPS_QUERY)) {
                while (rs.next()) {
                    shops.append(shops.length() == 0 ? "" : ", ").append(rs.getLong(1)).append('=')
                            .append(rs.getBigDecimal(2).toPlainString());
                }
            }
            view.append(shops.length() == 0 ? "(no rows yet)" : shops).append('\n');
        } catch (Exception e) {
            // The serving tables appear once the sync jobs have written; asked again at the next poll.
            return;
        }
        String shown = view.toString();
        if (!shown.equals(lastShown)) {
            out.println("  Serving (" + serving.kind().label(serving) + "):");
            out.print(shown);
            out.flush();
            lastShown = shown;
        }
    }
}
