package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.GgufWriter;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Parallel;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Newer converters fuse each MoE layer's gate and up experts into {@code ffn_gate_up_exps {n_embd, 2·n_ff, n_expert}}
 * (per expert: the gate rows, then the up rows). dsv3-tiny-F32 rewritten that way must still match the golden.
 */
class FusedGateUpTest {
    @TempDir
    Path tmp;

    @Test
    void fusedGateUpExpertsMatchTheGolden() {
        Golden g = Golden.read("dsv3-tiny-F32.once.json");
        Path fused = tmp.resolve("dsv3-tiny-fused.gguf");
        try (GgufFile src = GgufFile.open(g.model()); GgufWriter w = new GgufWriter(fused)) {
            w.putAll(src.metadata());
            for (TensorInfo t : src.tensors()) {
                if (t.name().endsWith("ffn_up_exps.weight")) continue;
                if (t.name().endsWith("ffn_gate_exps.weight")) w.addTensor(t.name().replace("ffn_gate_exps", "ffn_gate_up_exps"), t.type(), t.dim(0), 2 * t.dim(1), t.dim(2));
                else w.addTensor(t.name(), t.type(), t.dims());
            }
            for (TensorInfo t : src.tensors()) {
                if (t.name().endsWith("ffn_up_exps.weight")) continue;
                if (!t.name().endsWith("ffn_gate_exps.weight")) {
                    w.write(src.data(t));
                    continue;
                }
                MemorySegment gate = src.data(t), up = src.data(t.name().replace("ffn_gate_exps", "ffn_up_exps"));
                long perExpert = t.rowBytes() * t.dim(1);
                for (long e = 0; e < t.dim(2); e++) {
                    w.write(gate.asSlice(e * perExpert, perExpert));
                    w.write(up.asSlice(e * perExpert, perExpert));
                }
            }
        }
        int[] ids = g.allIds();
        float[] all = new float[ids.length * g.nVocab()];
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(fused, LoadOptions.defaults().withContextLength(ids.length).withPool(pool))) {
            m.forward(ids, 0, ids.length, null, all);
        }
        double max = 0;
        for (int i = 0; i < all.length; i++) max = Math.max(max, Math.abs(all[i] - g.logits()[i]));
        assertThat(max).as("fused gate_up file vs llama.cpp golden").isLessThanOrEqualTo(1e-4);
    }
}
