package io.weir.runner.template;

import io.weir.runner.WeirException;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.nio.file.Path;

/** A template the user must fix, reported as {@code file:line:column: reason}. */
public final class TemplateException extends WeirException {

    public TemplateException(Path file, SqlParserPos pos, String reason) {
        super(BAD_INPUT, file + ":" + pos.getLineNum() + ":" + pos.getColumnNum() + ": " + reason);
    }

    public TemplateException(Path file, int line, int column, String reason) {
        super(BAD_INPUT, file + ":" + line + ":" + column + ": " + reason);
    }
}
