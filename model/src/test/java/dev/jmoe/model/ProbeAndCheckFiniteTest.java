package dev.jmoe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmoe.gguf.SharedModels;
import dev.jmoe.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeAndCheckFiniteTest {
    @Test
    void probeSeesNamedIntermediatesOfEveryLayer() {
        List<String> seen = new ArrayList<>();
        Probe p = (layer, name, data, tokens, width) -> seen.add(layer + ":" + name + ":" + tokens + "x" + width);
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(SharedModels.require("dsv3-tiny-F32.gguf"), LoadOptions.defaults().withContextLength(8).withPool(pool).withProbe(p))) {
            m.forward(new int[] {1, 403, 407}, 0, 3, new float[512], null);
        }
        assertThat(seen).contains("0:attn_norm:3x256", "0:kv_cmpr_pe:3x80", "0:ffn_out:3x256", "1:ffn_moe_out:3x256", "1:ffn_shexp:3x256", "3:l_out:3x256", "-1:result_norm:3x256");
        assertThat(seen).noneMatch(s -> s.startsWith("0:ffn_moe_out")); // layer 0 is dense
    }

    @Test
    void checkFiniteNamesTheLayerAndTensorWhereANaNAppears() {
        Probe poison = (layer, name, data, tokens, width) -> {
            if (layer == 2 && name.equals("attn_out")) data[width + 5] = Float.NaN; // second token
        };
        try (Parallel pool = new Parallel(1);
             LanguageModel m = ModelLoader.load(SharedModels.require("dsv3-tiny-F32.gguf"),
                     LoadOptions.defaults().withContextLength(8).withPool(pool).withProbe(poison).withCheckFinite(true))) {
            assertThatThrownBy(() -> m.forward(new int[] {1, 403, 407}, 0, 3, new float[512], null))
                    .isInstanceOf(NonFiniteException.class).hasMessageContaining("layer 2").hasMessageContaining("attn_out").hasMessageContaining("element 261");
        }
    }
}
