package dev.jmoe.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Predictions for this machine from its calibration ({@code jmoe calibrate}): what {@code jmoe bench} prints beside
 * each measurement. CPU-only, the thread count's own calibrated figures, the jmoe engine profile.
 */
public final class ThisMachine {
    private final JsonNode calibration;

    private ThisMachine(JsonNode calibration) {
        this.calibration = calibration;
    }

    /** The calibration at {@code file}, if there is one. */
    public static Optional<ThisMachine> load(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(new ThisMachine(new ObjectMapper().readTree(file.toFile())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration " + file + ": " + e.getMessage(), e);
        }
    }

    public static Optional<ThisMachine> load() {
        return load(HardwareFile.calibrationPath());
    }

    /** Predicted tok/s of llama-bench's test: prefill of {@code nPrompt} tokens, or {@code nGen} decodes when nPrompt is 0. */
    public double predict(Path gguf, int nPrompt, int nGen, int threads) {
        return predict(gguf, nPrompt, nGen, 1, threads);
    }

    /**
     * The same with {@code seqs} sequences decoding together ({@code jmoe bench --parallel}): the planner's decode step
     * for a batch of that many tokens, tok/s over all of them.
     */
    public double predict(Path gguf, int nPrompt, int nGen, int seqs, int threads) {
        return predict(gguf, nPrompt, nGen, seqs, threads, 0);
    }

    /**
     * The same after {@code depth} cached tokens ({@code jmoe bench -d}). The planner's decode step reads the cache at
     * half its context on average, so a tg test at depth D is planned with a context of 2·D + nGen (its steps' mean
     * position D + nGen/2). Its prefill reads only its own growing cache: a pp test at a depth is not predicted (NaN).
     */
    public double predict(Path gguf, int nPrompt, int nGen, int seqs, int threads, int depth) {
        if (depth > 0 && nPrompt > 0) return Double.NaN;
        ModelSpec m = ModelSpecs.fromGguf(gguf);
        PlanRequest r = new PlanRequest(m, Calibration.spec(calibration, threads, m.quant()).build(), Policy.parse("cpu-only"),
                Math.max(1, nPrompt + nGen + 2 * depth), "f32", 0, List.of(seqs), Math.max(1, nPrompt),
                Calibration.efficiency(calibration, threads, m.quant()), false);
        PlanResult p = Planner.plan(r);
        return nPrompt > 0 ? p.prefill().tokensPerSecond() : p.decode(seqs).tokensPerSecond();
    }
}
