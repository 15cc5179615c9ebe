package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Our quantizer against llama-quantize's files in ../shared/models (same F32 input, default settings, no imatrix). */
class GgufQuantizerTest {

    /** Our output must be llama-quantize's file, byte for byte (the K-quant searches are reproduced operation by operation). */
    @ParameterizedTest
    @CsvSource({"dsv3-tiny-F32.gguf,dsv3-tiny-Q8_0.gguf,Q8_0", "dsv2-tiny-F32.gguf,dsv2-tiny-Q8_0.gguf,Q8_0",
            "dsv3-tiny-F32.gguf,dsv3-tiny-Q4_0.gguf,Q4_0", "dsv3-tiny-F32.gguf,dsv3-tiny-Q6_K.gguf,Q6_K",
            "dsv3-tiny-F32.gguf,dsv3-tiny-Q4_K_M.gguf,Q4_K_M", "dsv3-tiny-F32.gguf,dsv3-tiny-Q2_K.gguf,Q2_K"})
    void reproducesLlamaQuantize(String f32, String theirs, String mix, @TempDir Path tmp) {
        Path in = SharedModels.require(f32), ref = SharedModels.require(theirs);
        QuantMix m = QuantMix.byName(mix).orElseThrow();
        try (GgufFile src = GgufFile.openHeader(in)) {
            boolean quantizers = src.tensors().stream().allMatch(t -> Codecs.find(m.assign(
                    java.util.List.of(new QuantMix.TensorDesc(t.name(), t.dims(), t.type())), new QuantMix.ModelFacts(4, 16, 8))
                    .get(t.name())).map(Codec::canQuantize).orElse(false));
            Assumptions.assumeTrue(quantizers || hasAllQuantizers(src, m), "a quantizer this mix needs is not implemented yet");
        }
        Path out = tmp.resolve("ours.gguf");
        AtomicLong progress = new AtomicLong();
        try (Parallel pool = new Parallel(2)) {
            GgufQuantizer.quantize(in, out, m, pool, progress::set);
        }
        try (GgufFile a = GgufFile.open(out); GgufFile b = GgufFile.open(ref)) {
            assertThat(progress.get()).isEqualTo(GgufFile.openHeader(in).tensorBytes());
            assertThat(a.tensors()).extracting(TensorInfo::name).containsExactlyElementsOf(b.tensors().stream().map(TensorInfo::name).toList());
            assertThat(a.tensors()).extracting(TensorInfo::type).containsExactlyElementsOf(b.tensors().stream().map(TensorInfo::type).toList());
            assertThat(a.metadata().asMap()).isEqualTo(b.metadata().asMap());
            for (TensorInfo t : b.tensors()) {
                if (!deterministic(t.type())) continue;
                assertThat(a.data(t.name()).mismatch(b.data(t))).as(t.name() + " " + t.type() + " first differing byte").isEqualTo(-1L);
            }
        }
        assertThat(mismatch(out, ref)).as("whole file, first differing byte").isEqualTo(-1L);
    }

    private static boolean hasAllQuantizers(GgufFile src, QuantMix m) {
        try {
            GgufQuantizer.plan(src, m);
            return true;
        } catch (Codecs.UnsupportedTypeException e) {
            return false;
        }
    }

    /** ggml's reference quantizers for these types have no search with float ties: llama-quantize's bytes are reproducible. */
    private static boolean deterministic(GgmlType t) {
        return switch (t) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> true;
            default -> false;
        };
    }

    private static long mismatch(Path a, Path b) {
        try {
            return Files.mismatch(a, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @CsvSource({"IQ2_XXS"})
    void refusesBeforeWritingWhenAQuantizerIsMissing(String mix, @TempDir Path tmp) {
        Path in = SharedModels.require("dsv3-tiny-F32.gguf");
        Path out = tmp.resolve("x.gguf");
        try (Parallel pool = new Parallel(1)) {
            assertThatThrownBy(() -> GgufQuantizer.quantize(in, out, QuantMix.valueOf(mix), pool, x -> { }))
                    .isInstanceOf(Codecs.UnsupportedTypeException.class).hasMessageContaining("cannot quantize tensor");
        }
        assertThat(out).doesNotExist();
        assertThat(tmp.resolve("x.gguf.tmp")).doesNotExist();
    }
}
