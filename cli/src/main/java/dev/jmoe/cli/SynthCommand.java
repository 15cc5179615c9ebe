package dev.jmoe.cli;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.model.synth.ModelSpec;
import dev.jmoe.model.synth.Shapes;
import dev.jmoe.model.synth.Summary;
import dev.jmoe.model.synth.Synthesizer;
import dev.jmoe.model.synth.TypeChoice;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe synth}: writes a GGUF with a real architecture's shapes and seeded random weights. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a GGUF with a real architecture's metadata, tensor names and shapes, and seeded random weights.",
                "Shapes: dsv3-tiny, dsv2-tiny, llama-tiny, mixtral-tiny, deepseek-v2-lite, moonlight-16b-a3b, deepseek-v3 (--list describes them)."})
public final class SynthCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", paramLabel = "NAME", description = "model shape (see --list)")
    String shape;

    @Option(names = "--layers", paramLabel = "N", description = "number of layers (default: the shape's)")
    Integer layers;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "F32",
            description = "weight type: F32, F16, BF16 or any type with a quantizer (default: ${DEFAULT-VALUE}); norms and routers stay F32")
    String type;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--header-only", description = "write only the header (metadata and full tensor table, no data); any weight type, e.g. Q4_K")
    boolean headerOnly;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "output GGUF file")
    Path output;

    @Option(names = "--list", description = "list the shapes and exit")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (String n : Shapes.names()) {
                ModelSpec s = Shapes.spec(n, null);
                out.printf(Locale.ROOT, "%-18s %8s params  %s%n", n, sizeLabel(s.parameterCount()), Shapes.get(n).description());
            }
            out.println("writable types: " + TypeChoice.writable());
            out.flush();
            return 0;
        }
        if (shape == null) throw new IllegalArgumentException("--shape is required (one of " + String.join(", ", Shapes.names()) + ")");
        if (output == null) throw new IllegalArgumentException("-o FILE is required");
        // a plain ggml type, or one of llama.cpp's named mixes (Q4_K_M, Q3_K_M, ...) typed per tensor as llama-quantize would
        var mix = GgmlType.byName(type).isEmpty() ? dev.jmoe.tensor.QuantMix.byName(type) : java.util.Optional.<dev.jmoe.tensor.QuantMix>empty();
        String t = mix.map(Enum::name).orElse(null);
        GgmlType plain = mix.isPresent() ? null : TypeChoice.parse(type, !headerOnly);
        if (t == null) t = plain.name();
        ModelSpec s = Shapes.spec(shape, layers);
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "");
        long t0 = System.nanoTime();
        Synthesizer.Result r = mix.isPresent() ? Synthesizer.write(s, mix.get(), seed, headerOnly, output, bar)
                : Synthesizer.write(s, plain, seed, headerOnly, output, bar);
        bar.finish();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "wrote %s: %s, %s parameters, %s, %s%s in %.1f s%n", r.file(), shape, sizeLabel(r.parameters()), t,
                Summary.bytes(r.fileBytes()), r.headerOnly() ? " (header only; describes " + Summary.bytes(r.tensorBytes()) + " of weights)" : "", secs);
        out.flush();
        return 0;
    }

    private static String sizeLabel(long params) {
        return String.format(Locale.ROOT, params >= 1e9 ? "%.1f B" : "%.1f M", params >= 1e9 ? params / 1e9 : params / 1e6);
    }
}
