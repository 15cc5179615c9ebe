package dev.jmoe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the jmoe command line in-process with a fake backend, capturing stdout and stderr. */
record CliRun(int exit, String out, String err) {

    static CliRun run(FakeBackend backend, BenchCommand.Predictor predictor, String... args) {
        return run(backend, predictor, null, args);
    }

    /** With a fake backend, bench's prediction and traffic columns come only from what the test passes (null: none). */
    static CliRun run(FakeBackend backend, BenchCommand.Predictor predictor, BenchCommand.Traffic traffic, String... args) {
        CommandLine cl = Main.commandLine();
        BenchCommand bench = (BenchCommand) cl.getSubcommands().get("bench").getCommand();
        if (backend != null) {     // null: keep the real Backends.DEFAULT
            ((RunCommand) cl.getSubcommands().get("run").getCommand()).backend = backend;
            bench.backend = backend;
        }
        bench.predictor = predictor;
        if (backend != null) bench.traffic = traffic;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    static CliRun run(FakeBackend backend, String... args) {
        return run(backend, null, args);
    }
}
