package dev.jmoe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.SharedModels;
import dev.jmoe.gguf.TensorInfo;
import dev.jmoe.tensor.Codecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** One llama.cpp golden from shared/models (format: shared/models/README.md). */
record Golden(String file, Path model, int[] promptIds, int[] generatedIds, float[] margins, int nVocab, int nPositions, float[] logits) {

    static List<String> names() {
        if (!SharedModels.present()) return List.of();
        try (Stream<Path> s = Files.list(SharedModels.dir())) {
            List<String> r = new ArrayList<>();
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().forEach(r::add);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Golden read(String jsonName) {
        try {
            JsonNode j = new ObjectMapper().readTree(SharedModels.require(jsonName).toFile());
            Path model = SharedModels.require(j.get("model").asText());
            float[] logits = floats(SharedModels.require(j.get("logits_file").asText()));
            int nv = j.get("n_vocab").asInt(), np = j.get("n_positions").asInt();
            if (logits.length != nv * np) throw new IllegalStateException(jsonName + ": logits file has " + logits.length + " floats, expected " + nv * np);
            return new Golden(jsonName, model, ints(j.get("prompt_ids")), ints(j.get("generated_ids")), floatsOf(j.get("margins")), nv, np, logits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the calling test unless every tensor type of the model has a codec in this build. */
    void assumeCodecs() {
        try (GgufFile f = GgufFile.openHeader(model)) {
            for (TensorInfo t : f.tensors()) {
                Assumptions.assumeTrue(Codecs.find(t.type()).isPresent(), () -> model.getFileName() + ": no codec for " + t.type() + " (" + t.name() + ") in this build");
            }
        }
    }

    int[] allIds() {
        int[] r = new int[promptIds.length + generatedIds.length];
        System.arraycopy(promptIds, 0, r, 0, promptIds.length);
        System.arraycopy(generatedIds, 0, r, promptIds.length, generatedIds.length);
        return r;
    }

    boolean isF32() {
        return model.getFileName().toString().endsWith("F32.gguf") || model.getFileName().toString().startsWith("stories260K");
    }

    boolean isF16() {
        return model.getFileName().toString().endsWith("F16.gguf");
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    private static float[] floatsOf(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) a.get(i).asDouble();
        return r;
    }

    private static float[] floats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] r = new float[b.remaining() / 4];
        b.asFloatBuffer().get(r);
        return r;
    }
}
