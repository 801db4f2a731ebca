package io.weir.cli;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.lake.Lake;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The quickstart's live view of the DWS layer, printed whenever it changes: seed 000's day in full,
 * and today's partition (the generator's orders) summed up.
 */
final class TotalsView {

    static final String SEED_DAY = "20230215";
    private static final DateTimeFormatter PARTITION = DateTimeFormatter.BASIC_ISO_DATE;

    private final PrintWriter out;
    private String lastShown = "";

    TotalsView(PrintWriter out) {
        this.out = out;
    }

    /** Prints the tables if they changed; returns whether seed day's users table has rows. */
    boolean refresh(PipelineConf conf) {
        try (Lake lake = new Lake(conf)) {
            if (!lake.tableExists("dws_users") || !lake.tableExists("dws_shops")) {
                return false;
            }
            List<Map<String, Object>> users = lake.rows("dws_users");
            List<Map<String, Object>> shops = lake.rows("dws_shops");
            String today = LocalDate.now(ZoneOffset.UTC).format(PARTITION);
            StringBuilder view = new StringBuilder();
            Map<String, BigDecimal> seedUsers = totals(users, "user_id", SEED_DAY);
            Map<String, BigDecimal> seedShops = totals(shops, "shop_id", SEED_DAY);
            view.append("  dws_users ds=").append(SEED_DAY).append(": ").append(format(seedUsers)).append('\n');
            view.append("  dws_shops ds=").append(SEED_DAY).append(": ").append(format(seedShops)).append('\n');
            Map<String, BigDecimal> todayUsers = totals(users, "user_id", today);
            if (!todayUsers.isEmpty()) {
                BigDecimal sum = todayUsers.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                view.append("  dws_users ds=").append(today).append(": ").append(todayUsers.size())
                        .append(" users paid ").append(sum).append(" in total (generated orders)\n");
            }
            String shown = view.toString();
            if (!shown.equals(lastShown)) {
                out.println("[" + LocalTime.now().withNano(0) + "] DWS totals");
                out.print(shown);
                out.flush();
                lastShown = shown;
            }
            return !seedUsers.isEmpty();
        } catch (Exception e) {
            // A table being created or committed right now is read again at the next refresh.
            return false;
        }
    }

    private static Map<String, BigDecimal> totals(List<Map<String, Object>> rows, String key, String ds) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (Map<String, Object> row : rows) {
            if (ds.equals(row.get("ds"))) {
                totals.put(String.valueOf(row.get(key)), (BigDecimal) row.get("paied_buy_fee_sum"));
            }
        }
        return totals;
    }

    private static String format(Map<String, BigDecimal> totals) {
        if (totals.isEmpty()) {
            return "(no rows yet)";
        }
        StringBuilder s = new StringBuilder();
        totals.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return s.toString();
    }
}
