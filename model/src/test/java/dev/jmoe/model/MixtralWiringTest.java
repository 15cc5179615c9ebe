package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufValue;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Layouts;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama MoE (Mixtral) path, checked against a real golden: stories260K rewritten as a 4-expert top-2 MoE whose
 * experts are all copies of the original dense FFN, with a random router. Softmax top-2 weights renormalized to sum 1
 * make the MoE output equal the dense FFN's, so the logits must still match llama.cpp's stories260K golden — which
 * exercises the merged 3-D expert tensors, per-expert views, token grouping and weight normalization.
 */
class MixtralWiringTest {
    @TempDir
    Path tmp;

    @Test
    void moeOfIdenticalExpertsReproducesTheDenseGolden() {
        Golden g = Golden.read("stories260K.once.json");
        Path moe = tmp.resolve("stories-moe.gguf");
        int nExp = 4;
        Random rnd = new Random(7);
        try (GgufFile src = GgufFile.open(g.model()); GgufWriter w = new GgufWriter(moe)) {
            w.putAll(src.metadata());
            w.put("llama.expert_count", GgufValue.ofUInt32(nExp));
            w.put("llama.expert_used_count", GgufValue.ofUInt32(2));
            for (TensorInfo t : src.tensors()) {
                String n = t.name();
                if (n.endsWith("ffn_gate.weight")) {
                    w.addTensor(n.replace("ffn_gate", "ffn_gate_inp"), GgmlType.F32, t.dim(0), nExp);
                    w.addTensor(n.replace("ffn_gate", "ffn_gate_exps"), t.type(), t.dim(0), t.dim(1), nExp);
                } else if (n.endsWith("ffn_up.weight") || n.endsWith("ffn_down.weight")) {
                    w.addTensor(n.replace(".weight", "_exps.weight"), t.type(), t.dim(0), t.dim(1), nExp);
                } else {
                    w.addTensor(n, t.type(), t.dims());
                }
            }
            for (TensorInfo t : src.tensors()) {
                String n = t.name();
                boolean ffn = n.endsWith("ffn_gate.weight") || n.endsWith("ffn_up.weight") || n.endsWith("ffn_down.weight");
                if (n.endsWith("ffn_gate.weight")) {
                    MemorySegment r = Arena.ofAuto().allocate(4L * t.dim(0) * nExp, 4);
                    for (long i = 0; i < t.dim(0) * nExp; i++) r.set(Layouts.LE_FLOAT, 4 * i, (float) rnd.nextGaussian());
                    w.write(r);
                }
                for (int e = 0; e < (ffn ? nExp : 1); e++) w.write(src.data(t));
            }
        }
        int[] ids = g.allIds();
        float[] all = new float[ids.length * g.nVocab()];
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(moe, LoadOptions.defaults().withContextLength(ids.length).withPool(pool).withMaxBatch(16))) {
            m.forward(ids, 0, ids.length, null, all);
        }
        double max = 0;
        for (int i = 0; i < all.length; i++) max = Math.max(max, Math.abs(all[i] - g.logits()[i]));
        System.out.printf("stories260K as 4-expert MoE vs dense golden: %.3g%n", max);
        assertThat(max).isLessThanOrEqualTo(1e-4);
    }
}
