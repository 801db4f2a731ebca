package io.weir.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** One in-process run of the weir command, with its exit code and output. */
record CliRun(int exitCode, String out, String err) {

    static Path projectDir() {
        String dir = System.getProperty("weir.project.dir");
        return (dir != null ? Path.of(dir) : Path.of("..")).toAbsolutePath().normalize();
    }

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Weir.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        int unknown = Weir.unknownCommand(cli, args);
        int code = unknown != 0 ? unknown : cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
