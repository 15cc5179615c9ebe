package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.Probe;
import dev.jmoe.tensor.DotOrder;
import java.nio.file.Path;

/**
 * What {@code run} and {@code bench} ask of the model loader.
 *
 * @param file          the GGUF file
 * @param contextLength KV cache positions ({@code --ctx})
 * @param maxBatch      the most tokens one forward call will carry (prefill micro-batch)
 * @param threads       kernel threads
 * @param expertsUsed   routed experts per token, overriding the file's {@code expert_used_count}; null keeps it
 * @param cacheType     KV cache element type
 * @param checkFinite   stop with the layer and tensor name at the first NaN/Inf
 * @param probe         receives the named intermediates ({@code --dump-tensors}); null = none
 * @param dotOrder      float order of the Q4_0 / Q8_0 products ({@code --dot-order})
 * @param repack        copy weights into the packed kernels' layout at load ({@code --no-repack} turns it off)
 * @param slots         KV slots: sequences the cache holds ({@code bench --parallel})
 */
public record LoadRequest(Path file, int contextLength, int maxBatch, int threads, Integer expertsUsed,
                          CacheType cacheType, boolean checkFinite, Probe probe, DotOrder dotOrder, boolean repack,
                          int slots) {
    public LoadRequest(Path file, int contextLength, int maxBatch, int threads, Integer expertsUsed, CacheType cacheType) {
        this(file, contextLength, maxBatch, threads, expertsUsed, cacheType, false, null, DotOrder.FAST, true, 1);
    }

    public LoadRequest(Path file, int contextLength, int maxBatch, int threads, Integer expertsUsed, CacheType cacheType,
                       boolean checkFinite, Probe probe, DotOrder dotOrder, boolean repack) {
        this(file, contextLength, maxBatch, threads, expertsUsed, cacheType, checkFinite, probe, dotOrder, repack, 1);
    }
}
