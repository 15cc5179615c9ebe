package dev.jmoe.cli;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.tensor.GgufQuantizer;
import dev.jmoe.tensor.Parallel;
import dev.jmoe.tensor.QuantMix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jmoe quantize IN OUT --type NAME}: llama.cpp's named mixes, streaming. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize a GGUF with llama.cpp's per-tensor rules (Q4_K_M promotes some ffn_down/attn_v to Q6_K,",
                "norms and routers stay F32, rows that a 256-block can't hold fall back as llama-quantize does).",
                "Streams a block of rows at a time: the model is never whole in memory."})
public final class QuantizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "input GGUF (F32, F16, BF16 or any readable type)")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output GGUF")
    Path out;

    @Option(names = {"-t", "--type"}, required = true, description = "mix or type: Q8_0, Q4_0, Q4_K_M, Q6_K, Q2_K, ... (see --help)")
    String type;

    @Option(names = "--threads", description = "threads (default: all cores)")
    Integer threads;

    @Option(names = {"-f", "--force"}, description = "overwrite OUT if it exists")
    boolean force;

    @Override
    public Integer call() {
        QuantMix mix = QuantMix.byName(type).orElseThrow(() -> new IllegalArgumentException("unknown type '" + type + "'; known: "
                + Arrays.stream(QuantMix.values()).map(Enum::name).collect(Collectors.joining(", "))));
        if (!Files.isRegularFile(in)) throw new IllegalArgumentException("no such file: " + in);
        if (Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists (use --force to overwrite)");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) throw new IllegalArgumentException("IN and OUT are the same file");
        long total;
        Map<GgmlType, Long> byType = new TreeMap<>();
        try (GgufFile src = GgufFile.openHeader(in)) {
            total = src.tensorBytes();
            GgufQuantizer.plan(src, mix).forEach((name, t) -> byType.merge(t, src.tensor(name).elementCount(), Long::sum));
        }
        var err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(err, "quantize " + mix);
        try (Parallel pool = new Parallel(threads != null ? threads : Runtime.getRuntime().availableProcessors())) {
            GgufQuantizer.quantize(in, out, mix, pool, done -> bar.update(done, total));
        }
        bar.finish();
        var o = spec.commandLine().getOut();
        try (GgufFile f = GgufFile.openHeader(out)) {
            o.printf("%s -> %s (%s): %,d bytes, %.2f bits/weight%n", in.getFileName(), out, mix, f.fileSize(),
                    8.0 * f.tensorBytes() / f.tensors().stream().mapToLong(t -> t.elementCount()).sum());
        }
        byType.forEach((t, n) -> o.printf("  %-8s %,15d weights%n", t, n));
        return 0;
    }
}
