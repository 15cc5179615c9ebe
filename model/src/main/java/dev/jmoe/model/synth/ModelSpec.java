package dev.jmoe.model.synth;

import dev.jmoe.gguf.GgufValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a synthetic GGUF holds, before any weight is drawn: metadata in the order llama.cpp's converter writes it
 * (including {@code general.file_type}, which the writer sets from the chosen type) and the tensor table.
 */
public record ModelSpec(String shape, Map<String, GgufValue> metadata, List<TensorSpec> tensors) {

    public ModelSpec {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    public long parameterCount() {
        long n = 0;
        for (TensorSpec t : tensors) n += t.elementCount();
        return n;
    }

    /** A size label the way Hugging Face / llama.cpp print them: {@code 2.7M}, {@code 15.7B}, {@code 671B}. */
    static String sizeLabel(long params) {
        String[] units = {"", "K", "M", "B", "T"};
        double v = params;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return (v >= 100 ? String.format("%.0f", v) : String.format("%.1f", v)) + units[u];
    }
}
