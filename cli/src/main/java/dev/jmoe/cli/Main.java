package dev.jmoe.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jmoe} command line: parses, dispatches to the subcommands, maps errors to exit codes. */
@Command(name = "jmoe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-Java inference and planning for quantized Mixture-of-Experts models (DeepSeek-V3 first).",
        subcommands = {DemoCommand.class, RunCommand.class, ChatCommand.class, ServeCommand.class, BenchCommand.class, PlanCommand.class, CalibrateCommand.class,
                InspectCommand.class, TokenizeCommand.class, SynthCommand.class, QuantizeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        int rc = cl.execute(args);
        cl.getOut().flush(); // commands print through picocli's writers; flush before exit
        cl.getErr().flush();
        System.exit(rc);
    }

    /** The configured command line (tests execute it in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("jmoe " + cmd.getCommandName() + ": " + ex.getMessage());
            if (System.getenv("JMOE_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[]{"jmoe " + p.getProperty("version", "dev") + " (Java " + Runtime.version() + ", "
                    + System.getProperty("os.arch") + ")"};
        }
    }
}
