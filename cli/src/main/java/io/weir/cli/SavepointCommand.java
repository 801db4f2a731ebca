package io.weir.cli;

import picocli.CommandLine.Command;

@Command(name = "savepoint", mixinStandardHelpOptions = true,
        description = "Takes a savepoint of the pipeline's streaming jobs on the Flink cluster; they keep running.")
final class SavepointCommand extends StopCommandBase {

    @Override
    boolean keepRunning() {
        return true;
    }
}
