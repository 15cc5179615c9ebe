package dev.jmoe.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.jmoe.model.Probe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code run --dump-tensors FILE}: every named intermediate of every forward pass (the names of llama.cpp's graph
 * callbacks: attn_norm, q, kv_cmpr_pe, kqv_out, attn_out, ffn_norm, ffn_moe_out, ffn_shexp, ffn_out, l_out,
 * result_norm …) as one JSON line — {@code seq} (order of appearance), {@code layer} (−1 outside the layers),
 * {@code name}, {@code tokens}, {@code width}, {@code sum} (over all values, in double) and the first
 * {@value #HEAD} values of each token's row — the figures llama.cpp's {@code llama-eval-callback} prints, for
 * finding the first intermediate where two engines part. Non-finite values are written as strings.
 */
final class TensorDump implements Probe, AutoCloseable {
    static final int HEAD = 8;

    private final JsonGenerator json;
    private final Set<String> names;
    private long seq;

    /** @param names the intermediates to write; empty = all */
    TensorDump(Path file, Set<String> names) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        this.json = new JsonFactory().createGenerator(out);
        this.json.setRootValueSeparator(null);
        this.names = names;
    }

    @Override
    public void tensor(int layer, String name, float[] data, int tokens, int width) {
        if (!names.isEmpty() && !names.contains(name)) return;
        try {
            json.writeStartObject();
            json.writeNumberField("seq", seq++);
            json.writeNumberField("layer", layer);
            json.writeStringField("name", name);
            json.writeNumberField("tokens", tokens);
            json.writeNumberField("width", width);
            double sum = 0;
            for (int i = 0; i < tokens * width; i++) sum += data[i];
            json.writeFieldName("sum");
            if (Double.isFinite(sum)) json.writeNumber(sum);
            else json.writeString(Double.toString(sum));
            json.writeArrayFieldStart("rows");
            for (int t = 0; t < tokens; t++) {
                json.writeStartArray();
                for (int i = 0; i < Math.min(HEAD, width); i++) number(json, data[t * width + i]);
                json.writeEndArray();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("--dump-tensors: " + e.getMessage(), e);
        }
    }

    private static void number(JsonGenerator g, float v) throws IOException {
        if (Float.isFinite(v)) g.writeNumber(v);
        else g.writeString(Float.toString(v));
    }

    @Override
    public void close() throws IOException {
        json.close();
    }
}
