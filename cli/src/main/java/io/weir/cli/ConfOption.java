package io.weir.cli;

import io.weir.runner.conf.PipelineConf;
import io.weir.runner.conf.PipelineConfLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The --conf option every command shares. */
final class ConfOption {

    @Option(names = {"-c", "--conf"}, paramLabel = "FILE",
            description = "Pipeline definition (default: conf/quickstart.yaml of the Weir home).")
    Path file;

    PipelineConf load() {
        return load(file);
    }

    static PipelineConf load(Path file) {
        return new PipelineConfLoader().load(file != null ? file : Home.dir().resolve("conf/quickstart.yaml"));
    }
}
