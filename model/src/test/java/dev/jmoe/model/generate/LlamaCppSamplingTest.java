package dev.jmoe.model.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Seeded sampling against llama.cpp itself: the first token node-llama-cpp 3.21.1's llama.cpp sampler chain drew for
 * 40 seeds, 7 prefixes and 3 settings (frozen in llamacpp-first-draws-stories260K.txt), reproduced by our chain from
 * llama.cpp's golden logits for the same prefixes. This checks the Mersenne Twister stream, the canonical double, the
 * dist walk over the sorted candidates and the top-k/top-p/min-p/temperature stages end to end.
 */
class LlamaCppSamplingTest {

    static final int VOCAB = 512;

    @Test
    void firstDrawsMatchLlamaCpp() throws Exception {
        float[] logits = goldenLogits();
        Map<String, float[]> configs = new HashMap<>();
        List<String[]> draws = new ArrayList<>();
        read("llamacpp-first-draws-stories260K.txt", configs, draws);
        assertThat(draws).hasSize(21);
        int compared = 0;
        int distinct = 0;
        List<String> mismatches = new ArrayList<>();
        for (String[] d : draws) {
            float[] c = configs.get(d[1]);
            int length = Integer.parseInt(d[2]);
            float[] row = java.util.Arrays.copyOfRange(logits, (length - 1) * VOCAB, length * VOCAB);
            int topK = c[1] <= 0 ? VOCAB : (int) c[1];      // node-llama-cpp resolves top-k 0 to the vocabulary
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int seed = 1; seed <= 40; seed++) {
                Sampler s = new SamplerParams(c[0], topK, c[2], c[3], 1f, 0f, 0f, 0, seed, 1).build(VOCAB);
                int ours = s.sample(row);
                int theirs = Integer.parseInt(d[2 + seed]);
                seen.add(theirs);
                compared++;
                if (ours != theirs) mismatches.add(d[1] + " L=" + length + " seed=" + seed + ": " + ours + " vs " + theirs);
            }
            distinct += seen.size();
        }
        assertThat(compared).isEqualTo(840);
        assertThat(distinct).as("the reference draws vary").isGreaterThan(60);
        assertThat(mismatches).isEmpty();
    }

    /**
     * Repetition, frequency and presence penalties against llama.cpp: the token chosen after punishing the prefix and
     * the favourite next token (llamacpp-penalty-draws-stories260K.txt), greedy and seeded.
     */
    @Test
    void penalizedDrawsMatchLlamaCpp() throws Exception {
        float[] logits = goldenLogits();
        int[] all = goldenSequence();
        Map<String, float[]> configs = new HashMap<>();
        List<String[]> draws = new ArrayList<>();
        read("llamacpp-penalty-draws-stories260K.txt", configs, draws);
        assertThat(draws).hasSize(48);
        int compared = 0;
        int changedByPenalty = 0;
        List<String> mismatches = new ArrayList<>();
        for (String[] d : draws) {
            float[] c = configs.get(d[1]);
            int length = Integer.parseInt(d[2]);
            float[] row = java.util.Arrays.copyOfRange(logits, (length - 1) * VOCAB, length * VOCAB);
            int[] punish = length < all.length ? java.util.stream.IntStream.concat(
                    java.util.Arrays.stream(all, 0, length + 1), java.util.stream.IntStream.of(all[length], all[length])).toArray()
                    : java.util.Arrays.copyOf(all, length);
            int window = Math.max(64, punish.length);
            for (int k = 3; k < d.length; k++) {
                int seed = k - 2;
                Sampler s = new SamplerParams(c[3], (int) c[4], c[5], c[6], c[0], c[1], c[2], window, seed, 1).build(VOCAB);
                for (int t : punish) s.accept(t);
                int ours = s.sample(row);
                int theirs = Integer.parseInt(d[k]);
                compared++;
                if (c[3] <= 0 && length < all.length && theirs != all[length]) changedByPenalty++;
                if (ours != theirs) mismatches.add(d[1] + " L=" + length + " seed=" + seed + ": " + ours + " vs " + theirs);
            }
        }
        assertThat(compared).isEqualTo(3 * 12 + 12 * 10);
        assertThat(changedByPenalty).as("greedy choices the penalties changed").isGreaterThan(15);
        assertThat(mismatches).isEmpty();
    }

    static float[] goldenLogits() throws Exception {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(SharedModels.require("stories260K.once.logits.f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }

    /** prompt_ids + generated_ids of stories260K.once.json (read without a JSON library: two flat int arrays). */
    static int[] goldenSequence() throws Exception {
        String json = Files.readString(SharedModels.require("stories260K.once.json"));
        return java.util.stream.IntStream.concat(java.util.Arrays.stream(intArray(json, "prompt_ids")),
                java.util.Arrays.stream(intArray(json, "generated_ids"))).toArray();
    }

    static int[] intArray(String json, String key) {
        int start = json.indexOf('[', json.indexOf("\"" + key + "\""));
        String body = json.substring(start + 1, json.indexOf(']', start));
        return java.util.Arrays.stream(body.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    void read(String resource, Map<String, float[]> configs, List<String[]> draws) throws Exception {
        try (var in = new BufferedReader(new InputStreamReader(getClass().getResourceAsStream(resource),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.trim().split(" ");
                if (f[0].equals("config")) {
                    float[] v = new float[f.length - 2];
                    for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(f[i + 2]);
                    configs.put(f[1], v);
                } else if (f[0].equals("draws")) {
                    draws.add(f);
                }
            }
        }
    }
}
