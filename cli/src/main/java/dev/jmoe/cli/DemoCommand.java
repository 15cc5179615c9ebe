package dev.jmoe.cli;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Summary;
import dev.jmoe.model.synth.Synthesizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jmoe demo}: the README's first command. Step by step, on a model it makes itself: synthesize dsv3-tiny (once,
 * cached), then show what is in it. Later steps (plan, generate, measure) join as their commands land.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Synthesize a tiny DeepSeek-V3-shaped model (cached) and show what is in it.")
public final class DemoCommand implements Callable<Integer> {
    static final String SHAPE = "dsv3-tiny";
    static final long SEED = 1234;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "cache folder (default: $XDG_CACHE_HOME/jmoe or ~/.cache/jmoe)")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path model = (dir != null ? dir : defaultCacheDir()).resolve(SHAPE + "-F32-seed" + SEED + ".gguf");

        out.println("== 1. model: " + SHAPE + " (DeepSeek-V3 architecture, random weights)");
        if (Files.isRegularFile(model)) {
            out.println("   cached: " + model);
        } else {
            Synthesizer.write(Shapes.spec(SHAPE, null), GgmlType.F32, SEED, false, model, Synthesizer.Progress.NONE);
            out.println("   synthesized: " + model + "  (jmoe synth --shape " + SHAPE + " --seed " + SEED + " -o FILE)");
        }

        out.println("== 2. what is in it");
        try (GgufFile f = GgufFile.open(model)) {
            for (String line : Summary.lines(f)) out.println("   " + line);
        }
        out.flush();
        return 0;
    }

    /** {@code $XDG_CACHE_HOME/jmoe}, or {@code ~/.cache/jmoe}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jmoe");
    }
}
