package io.weir.runner.serving;

import io.weir.runner.conf.Secrets;
import io.weir.runner.conf.ServingConf;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/** {@code serving.type: hologres}: a Hologres instance, written by the Hologres connector. */
public class HologresServing implements ServingKind {

    @Override
    public String type() {
        return "hologres";
    }

    @Override
    public Set<String> keys() {
        return Set.of("endpoint", "database", "schema", "username", "password");
    }

    @Override
    public void validate(ServingConf conf, BiConsumer<String, String> problem) {
        String endpoint = conf.endpoint();
        if (endpoint == null || !endpoint.matches("[^:/\\s]+:\\d+")) {
            problem.accept("serving.endpoint", "type 'hologres' needs the instance's address as host:port, got "
                    + (endpoint == null ? "nothing" : "'" + endpoint + "'"));
        }
        if (conf.password() == null || conf.password().isEmpty()) {
            // The connector refuses an empty one only in the job, after every layer job was submitted.
            problem.accept("serving.password", "required for type 'hologres': the Hologres connector refuses an empty"
                    + " password (give the AccessKey secret, e.g. ${env:WEIR_HOLOGRES_ACCESS_KEY})");
        }
    }

    @Override
    public Map<String, String> sinkOptions(ServingConf conf, String table) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("connector", "hologres");
        options.put("endpoint", conf.endpoint());
        options.put("dbname", conf.database());
        options.put("tablename", conf.schema() + "." + table);
        options.put("username", conf.username());
        options.put("password", conf.password());
        // The default, insertOrIgnore, would silently drop every update.
        options.put("mutatetype", "insertorupdate");
        options.put("ignoredelete", "false");
        return options;
    }

    @Override
    public ServingStore store(ServingConf conf, Secrets secrets) {
        return new HologresStore(conf, secrets);
    }

    @Override
    public String probeUrl(ServingConf conf, int timeoutSeconds) {
        return jdbcUrl(conf) + "?connectTimeout=" + timeoutSeconds + "&socketTimeout=" + timeoutSeconds
                + "&loginTimeout=" + timeoutSeconds;
    }

    @Override
    public String describe(ServingConf conf, String table) {
        return "serving table " + conf.schema() + "." + table + " at " + conf.endpoint() + "/" + conf.database();
    }

    @Override
    public String label(ServingConf conf) {
        return "Hologres " + conf.endpoint() + "/" + conf.database();
    }

    static String jdbcUrl(ServingConf conf) {
        return "jdbc:postgresql://" + conf.endpoint() + "/" + conf.database();
    }
}
