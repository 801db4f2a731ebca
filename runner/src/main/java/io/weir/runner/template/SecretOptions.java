package io.weir.runner.template;

import io.weir.runner.conf.Secrets;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.flink.sql.parser.ddl.SqlCreateCatalog;
import org.apache.flink.sql.parser.ddl.SqlCreateTable;
import org.apache.flink.sql.parser.ddl.SqlTableOption;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Masks secrets in SQL that is shown, by option key on the AST: the value of every table or
 * catalog option whose key names a secret (password, secret, secret-key, access-key, token,
 * credential) is replaced by {@link Secrets#MASK}, however the printer would have escaped it
 * (doubled quotes, {@code u&'...'} for non-ASCII, backslashes, newlines).
 */
public final class SecretOptions {

    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i).*(password|secret|access-key|accesskey|token|credential).*");

    private SecretOptions() {}

    public static boolean isSecret(String optionKey) {
        return SECRET_KEY.matcher(optionKey).matches();
    }

    /** The statement printed again with its secret options masked; unparseable text is returned as it is. */
    public static String mask(String statement) {
        List<SqlNode> parsed;
        try {
            parsed = FlinkSql.parseStatements(statement, Path.of("rendered.sql"));
        } catch (RuntimeException e) {
            return statement;
        }
        if (parsed.size() != 1) {
            return statement;
        }
        SqlNode node = parsed.get(0);
        SqlNodeList options = node instanceof SqlCreateTable ? ((SqlCreateTable) node).getPropertyList()
                : node instanceof SqlCreateCatalog ? ((SqlCreateCatalog) node).getPropertyList() : null;
        if (options == null || !maskIn(options)) {
            return statement;
        }
        return FlinkSql.unparse(node);
    }

    private static boolean maskIn(SqlNodeList options) {
        boolean masked = false;
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i) instanceof SqlTableOption) {
                SqlTableOption option = (SqlTableOption) options.get(i);
                if (isSecret(option.getKeyString())) {
                    options.set(i, new SqlTableOption((SqlLiteral) option.getKey(),
                            SqlLiteral.createCharString(Secrets.MASK, option.getParserPosition()),
                            option.getParserPosition()));
                    masked = true;
                }
            }
        }
        return masked;
    }
}
