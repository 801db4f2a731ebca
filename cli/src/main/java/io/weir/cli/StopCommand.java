package io.weir.cli;

import picocli.CommandLine.Command;

@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stops the pipeline's streaming jobs on the Flink cluster with savepoints, where the next"
                + " weir stream resumes.")
final class StopCommand extends StopCommandBase {

    @Override
    boolean keepRunning() {
        return false;
    }
}
