package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Layouts;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dsv3-tiny-F32 rewritten as an older converter wrote DeepSeek files: one {@code attn_kv_b {kv_lora, n_head·(nope+v)}}
 * per layer instead of {@code attn_k_b}/{@code attn_v_b}, and no {@code *_length_mla} keys (key_length = nope + rope,
 * value_length = v_head). Loading it must split kv_b and reproduce llama.cpp's golden logits as the MLA file does.
 */
class LegacyKvBFileTest {
    @TempDir
    Path tmp;

    @Test
    void legacyMergedKvBFileMatchesTheGolden() {
        Golden g = Golden.read("dsv3-tiny-F32.once.json");
        Path legacy = tmp.resolve("dsv3-tiny-legacy.gguf");
        try (GgufFile src = GgufFile.open(g.model()); GgufWriter w = new GgufWriter(legacy)) {
            Deepseek2.Config c = Deepseek2.Config.read(src.metadata(), 0);
            int H = c.nHead(), nope = c.nope(), v = c.vHead(), L = c.kvLora();
            src.metadata().asMap().forEach((k, val) -> {
                if (!k.endsWith("_length_mla") && !k.endsWith(".key_length") && !k.endsWith(".value_length") && !k.endsWith("head_count_kv")) w.put(k, val);
            });
            w.put("deepseek2.attention.key_length", GgufValue.ofUInt32(nope + c.rope()));
            w.put("deepseek2.attention.value_length", GgufValue.ofUInt32(v));
            w.put("deepseek2.attention.head_count_kv", GgufValue.ofUInt32(H));
            for (TensorInfo t : src.tensors()) {
                if (t.name().endsWith("attn_v_b.weight")) continue;
                if (t.name().endsWith("attn_k_b.weight")) w.addTensor(t.name().replace("attn_k_b", "attn_kv_b"), GgmlType.F32, L, (long) H * (nope + v));
                else w.addTensor(t.name(), t.type(), t.dims());
            }
            for (TensorInfo t : src.tensors()) {
                if (t.name().endsWith("attn_v_b.weight")) continue;
                if (!t.name().endsWith("attn_k_b.weight")) {
                    w.write(src.data(t));
                    continue;
                }
                float[] kb = Matrix.of(src, t).toFloats(); // [H][L][nope]
                float[] vb = Matrix.of(src, t.name().replace("attn_k_b", "attn_v_b")).toFloats(); // [H][v][L]
                MemorySegment kv = Arena.ofAuto().allocate(4L * H * (nope + v) * L, 4);
                for (int h = 0; h < H; h++) {
                    for (int i = 0; i < nope; i++) for (int r = 0; r < L; r++) kv.set(Layouts.LE_FLOAT, 4L * (((long) h * (nope + v) + i) * L + r), kb[(h * L + r) * nope + i]);
                    for (int j = 0; j < v; j++) for (int r = 0; r < L; r++) kv.set(Layouts.LE_FLOAT, 4L * (((long) h * (nope + v) + nope + j) * L + r), vb[(h * v + j) * L + r]);
                }
                w.write(kv);
            }
        }
        int[] ids = g.allIds();
        float[] all = new float[ids.length * g.nVocab()];
        try (Parallel pool = new Parallel(2);
             LanguageModel m = ModelLoader.load(legacy, LoadOptions.defaults().withContextLength(ids.length).withPool(pool))) {
            m.forward(ids, 0, ids.length, null, all);
        }
        double max = 0;
        for (int i = 0; i < all.length; i++) max = Math.max(max, Math.abs(all[i] - g.logits()[i]));
        assertThat(max).as("legacy kv_b file vs llama.cpp golden").isLessThanOrEqualTo(1e-4);
    }
}
