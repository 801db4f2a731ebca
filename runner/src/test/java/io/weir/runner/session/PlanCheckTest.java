package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.WeirException;
import io.weir.runner.conf.PipelineConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A check that passed is not planned again, but a template edited since, under the same path and
 * the same conf, is: a long-running scheduler must not run a changed template on an old pass.
 */
class PlanCheckTest {

    @TempDir Path dir;

    @Test
    void aTemplateEditedAfterItsCheckPassedIsCheckedAgain() throws Exception {
        Path templates = Files.createDirectories(dir.resolve("templates"));
        try (Stream<Path> files = Files.list(TestConfs.templatesDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, templates.resolve(file.getFileName()));
            }
        }
        Path file = TestConfs.write(dir.resolve("conf"), TestConfs.standardSections(dir, 1, "none"));
        Files.writeString(file, Files.readString(file).replace("templates: " + TestConfs.templatesDir(),
                "templates: " + templates));
        PipelineConf conf = TestConfs.load(file);

        java.util.Set<String> first = PlanCheck.check(conf, conf.layers());
        assertEquals(first, PlanCheck.check(conf, conf.layers()));

        Path dwsUsers = templates.resolve("dws_users.sql");
        String sql = Files.readString(dwsUsers);
        assertTrue(sql.contains("SUM(order_fee)"), sql);
        Files.writeString(dwsUsers, sql.replace("SUM(order_fee)", "SUM(no_such_fee)"));
        WeirException refused = assertThrows(WeirException.class, () -> PlanCheck.check(conf, conf.layers()));
        assertEquals(WeirException.BAD_INPUT, refused.exitCode());
        assertTrue(refused.getMessage().startsWith(conf.layer("dws_users").template() + ": layer 'dws_users' does not plan:"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("no_such_fee"), refused.getMessage());

        Files.writeString(dwsUsers, sql);
        assertEquals(first, PlanCheck.check(conf, conf.layers()));
    }
}
