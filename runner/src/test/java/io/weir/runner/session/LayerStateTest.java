package io.weir.runner.session;

import io.weir.runner.TestConfs;
import io.weir.runner.conf.PipelineConf;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which SQL a layer's newest restore point belongs to: what --upgrade decides by for a stopped layer. */
class LayerStateTest {

    @TempDir Path dir;

    @Test
    void theNewestRestorePointNamesTheSqlOfTheJobThatWroteIt() throws Exception {
        PipelineConf conf = TestConfs.load(TestConfs.write(dir, TestConfs.standardSections(dir, 3306, "shop")));
        LayerState state = new LayerState(conf, conf.layer("dws_users"));
        Path root = Path.of(java.net.URI.create(conf.flink().stateDir())).resolve("test/dws_users");
        assertEquals(Optional.empty(), state.savedSql(), "no restore point yet");

        JobID first = JobID.generate();
        state.recordSql(first, "aaaaaaaaaaaa");
        metadata(root.resolve("checkpoints/" + first.toHexString() + "/chk-3"), 1);
        assertEquals(Optional.of("aaaaaaaaaaaa"), state.savedSql(), "a retained checkpoint lies under its job's id");

        JobID second = JobID.generate();
        state.recordSql(second, "bbbbbbbbbbbb");
        assertEquals(Optional.of("aaaaaaaaaaaa"), state.savedSql(), "a job that saved nothing yet changes nothing");
        metadata(root.resolve("savepoints/savepoint-" + second.toHexString().substring(0, 6) + "-0123456789ab"), 2);
        assertEquals(Optional.of("bbbbbbbbbbbb"), state.savedSql(), "a savepoint's name starts with its job's id");

        metadata(root.resolve("checkpoints/" + JobID.generate().toHexString() + "/chk-1"), 3);
        assertEquals(Optional.empty(), state.savedSql(), "state of a job whose SQL was not noted is unknown");
    }

    private static void metadata(Path dir, int minutesLater) throws Exception {
        Files.createDirectories(dir);
        Path file = Files.writeString(dir.resolve("_metadata"), "x");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60L * minutesLater)));
    }
}
