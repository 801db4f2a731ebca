package io.weir.cli;

import io.weir.runner.WeirException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code weir} command: exit 0 ok, 1 job failure, 2 bad input. */
@Command(
        name = "weir",
        mixinStandardHelpOptions = true,
        version = "weir 0.1.0",
        description = "Runs one parameterized SQL file per warehouse layer as a continuous Flink stream"
                + " or as INSERT OVERWRITE backfills, on Apache Paimon.",
        subcommands = {
            QuickstartCommand.class,
            StreamCommand.class,
            StopCommand.class,
            SavepointCommand.class,
            JobsCommand.class,
            BackfillCommand.class,
            ScheduleCommand.class,
            StatusCommand.class,
            UiCommand.class,
            SyncCommand.class,
            RunsCommand.class,
            PeekCommand.class,
            RenderCommand.class,
            VerifyCommand.class,
            ValidateCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Weir implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The binlog client logs every connection through java.util.logging; keep the terminal quiet.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
            handler.setLevel(java.util.logging.Level.WARNING);
        }
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cli = commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        int unknown = unknownCommand(cli, args);
        return unknown != 0 ? unknown : cli.execute(args);
    }

    /**
     * An unknown command is an error even when --help follows it: picocli would answer the help
     * option of the top-level command and exit 0.
     */
    static int unknownCommand(CommandLine cli, String... args) {
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            cli.getErr().println("weir: unknown command '" + args[0] + "' (commands: "
                    + String.join(", ", cli.getSubcommands().keySet()) + ")");
            return WeirException.BAD_INPUT;
        }
        return 0;
    }

    static java.util.Optional<String> unknownHost(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return java.util.Optional.of(String.valueOf(t.getMessage()).split(":")[0]);
            }
        }
        return java.util.Optional.empty();
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Weir());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (io.weir.runner.session.Failures.isDiskFull(e)) {
                commandLine.getErr().println("weir: " + io.weir.runner.session.Failures.DISK_FULL
                        + ". Free space there, then run the command again.");
                return WeirException.JOB_FAILURE;
            }
            if (e instanceof WeirException) {
                commandLine.getErr().println("weir: " + e.getMessage());
                return ((WeirException) e).exitCode();
            }
            java.util.Optional<String> host = unknownHost(e);
            if (host.isPresent()) {
                // A host name in the conf that does not resolve (a typo, or no DNS here), wherever it was met.
                commandLine.getErr().println("weir: cannot resolve host '" + host.get() + "': check the addresses in the conf"
                        + " (warehouse.uri, source, serving, flink.address), and this machine's DNS");
                return WeirException.BAD_INPUT;
            }
            commandLine.getErr().println("weir: unexpected error: " + e);
            e.printStackTrace(commandLine.getErr());
            return WeirException.JOB_FAILURE;
        });
        cli.setParameterExceptionHandler((e, strings) -> {
            e.getCommandLine().getErr().println("weir: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return WeirException.BAD_INPUT;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
