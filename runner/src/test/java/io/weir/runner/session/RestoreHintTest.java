package io.weir.runner.session;

import io.weir.runner.conf.LayerConf;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A state that cannot be restored gets advice that loses nothing: never a bare "use --fresh". */
class RestoreHintTest {

    private static final LayerConf LAYER = new LayerConf("dws_users", Path.of("dws_users.sql"), "dws_users",
            Optional.empty(), List.of("dwd_orders"), Optional.empty());

    @Test
    void missingFilesAndChangedSqlGetTheirOwnAdvice() {
        String gone = StreamRunner.restoreHint(LAYER, "file:/state/chk-127",
                "FileNotFoundException: /state/chk-127/_metadata (No such file or directory)");
        assertTrue(gone.contains("whose files are gone: another job of this layer may have removed them"), gone);
        assertFalse(gone.contains("--fresh"), "no --fresh for state another job deleted: " + gone);

        String changed = StreamRunner.restoreHint(LAYER, "file:/state/savepoint-1",
                "IllegalStateException: Failed to rollback to checkpoint/savepoint");
        assertTrue(changed.contains("weir stream --upgrade --layer dws_users starts the new SQL without it and rebuilds"
                + " what it cannot produce") && changed.contains("Not --fresh"), changed);
    }
}
