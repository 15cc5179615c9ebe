package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Layouts;
import dev.jmoe.tensor.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Legacy files hold one {@code attn_kv_b}; the loader splits it into the absorbed form's {@code attn_k_b} (transposed)
 * and {@code attn_v_b}. Built here from dsv3-tiny's own split tensors, then split back: must give them exactly.
 */
class LegacyKvBSplitTest {
    @Test
    void splittingAMergedKvBReproducesTheConvertersSplit() {
        try (GgufFile f = GgufFile.open(SharedModels.require("dsv3-tiny-F32.gguf"))) {
            Deepseek2.Config c = Deepseek2.Config.read(f.metadata(), 0);
            int H = c.nHead(), nope = c.nope(), v = c.vHead(), L = c.kvLora();
            float[] kb = Matrix.of(f, "blk.1.attn_k_b.weight").toFloats(); // [H][L][nope]
            float[] vb = Matrix.of(f, "blk.1.attn_v_b.weight").toFloats(); // [H][v][L]
            MemorySegment kv = Arena.ofAuto().allocate(4L * H * (nope + v) * L, 4);
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < nope; i++) for (int r = 0; r < L; r++) kv.set(Layouts.LE_FLOAT, 4L * (((long) h * (nope + v) + i) * L + r), kb[(h * L + r) * nope + i]);
                for (int j = 0; j < v; j++) for (int r = 0; r < L; r++) kv.set(Layouts.LE_FLOAT, 4L * (((long) h * (nope + v) + nope + j) * L + r), vb[(h * v + j) * L + r]);
            }
            Matrix kvB = new Matrix("blk.1.attn_kv_b.weight", GgmlType.F32, Codecs.of(GgmlType.F32), kv, L, H * (nope + v));
            Matrix[] kB = new Matrix[H], vB = new Matrix[H];
            ModelLoader.splitKvB(kvB, c, kB, vB);
            for (int h = 0; h < H; h++) {
                assertThat(kB[h].toFloats()).containsExactly(java.util.Arrays.copyOfRange(kb, h * L * nope, (h + 1) * L * nope));
                assertThat(vB[h].toFloats()).containsExactly(java.util.Arrays.copyOfRange(vb, h * v * L, (h + 1) * v * L));
            }
        }
    }
}
