package dev.jmoe.model.generate;

/**
 * The working set of a sampler chain, as llama.cpp's {@code llama_token_data_array}: parallel arrays of token id, logit
 * and probability, a live prefix {@code [0, size)}, and whether that prefix is sorted by descending logit.
 * Allocated once per vocabulary; {@link #load} refills it for each step without allocating.
 */
public final class Candidates {

    final int[] ids;
    final float[] logits;
    final float[] probs;
    /** Scratch for sorting: packed (logit, id) keys, see {@link CandidateOrder}. */
    final long[] keys;
    int size;
    boolean sorted;

    public Candidates(int vocabSize) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        ids = new int[vocabSize];
        logits = new float[vocabSize];
        probs = new float[vocabSize];
        keys = new long[vocabSize];
    }

    /** Every token of the vocabulary with its logit, in id order (unsorted). */
    public void load(float[] source) {
        if (source.length < ids.length) {
            throw new IllegalArgumentException("logits hold " + source.length + " values, the vocabulary has " + ids.length);
        }
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
            logits[i] = source[i];
            probs[i] = 0f;
        }
        size = ids.length;
        sorted = false;
    }

    public int capacity() {
        return ids.length;
    }

    public int size() {
        return size;
    }

    public boolean sorted() {
        return sorted;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    /** The probability a stage wrote (top-p, dist); 0 until one did. */
    public float prob(int i) {
        return probs[i];
    }
}
