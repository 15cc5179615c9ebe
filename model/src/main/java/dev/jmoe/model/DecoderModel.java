package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;

/**
 * What every decoder-only architecture shares: position bookkeeping, argument checks before any compute, splitting
 * a prompt into micro-batches, the final norm's output head, the NaN/Inf check and the probe. Subclasses implement
 * {@link #layers}: the embedding lookup and all layers for one micro-batch, leaving the normalized final hidden
 * states in {@link #out}.
 */
abstract class DecoderModel implements LanguageModel {
    protected final GgufFile file;
    protected final ModelInfo info;
    protected final int nEmbd, nVocab, ctx, maxBatch;
    protected final Parallel pool;
    protected final MatVec mv;
    protected final Matrix tokEmbd, output; // {n_embd, n_vocab}
    protected final boolean checkFinite;
    protected final Probe probe;
    /** [B, n_embd]: after {@link #layers}, rmsnorm(x) · output_norm of each token of the batch. */
    protected final float[] out;
    private int position;
    private Parallel ownedPool;

    DecoderModel(GgufFile file, ModelInfo info, int nEmbd, Matrix tokEmbd, Matrix output, int ctx, LoadOptions opt) {
        this.file = file;
        this.info = info;
        this.nEmbd = nEmbd;
        this.nVocab = tokEmbd.rows();
        this.ctx = ctx;
        this.maxBatch = Math.min(opt.maxBatch(), ctx);
        this.pool = opt.poolOrCommon();
        this.mv = new MatVec(pool);
        this.tokEmbd = tokEmbd;
        this.output = output;
        this.checkFinite = opt.checkFinite();
        this.probe = opt.probe();
        this.out = new float[maxBatch * nEmbd];
        if (tokEmbd.cols() != nEmbd) throw new ModelFormatException(tokEmbd.name() + " rows have " + tokEmbd.cols() + " values, expected n_embd " + nEmbd);
        if (output.cols() != nEmbd || output.rows() != nVocab) throw new ModelFormatException(output.name() + " is " + output.cols() + "x" + output.rows() + ", expected " + nEmbd + "x" + nVocab);
    }

    /** Runs tokens {@code tokens[off .. off+n)} at positions {@code pos0..} through all layers (n ≤ maxBatch). */
    protected abstract void layers(int[] tokens, int off, int n, int pos0);

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int vocabSize() {
        return nVocab;
    }

    @Override
    public int contextLength() {
        return ctx;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public void truncate(int pos) {
        if (pos < 0 || pos > position) throw new IllegalArgumentException("cannot truncate to position " + pos + ": the cache holds " + position);
        position = pos;
    }

    @Override
    public final void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits) {
        if (count < 1) throw new IllegalArgumentException("no tokens to run (count " + count + ")");
        if (from < 0 || from + count > tokens.length) throw new IllegalArgumentException("tokens [" + from + ", " + (from + count) + ") are outside an array of " + tokens.length);
        if (position + count > ctx) {
            throw new IllegalArgumentException(count + " tokens at position " + position + " need a context of " + (position + count) + ", the model was loaded with " + ctx);
        }
        for (int i = from; i < from + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= nVocab) throw new IllegalArgumentException("token id " + tokens[i] + " at index " + i + " is outside the vocabulary of " + nVocab);
        }
        if (logits != null && logits.length < nVocab) throw new IllegalArgumentException("logits array holds " + logits.length + " < vocabulary " + nVocab);
        if (allLogits != null && allLogits.length < (long) count * nVocab) throw new IllegalArgumentException("allLogits array holds " + allLogits.length + " < " + count + " x " + nVocab);
        int done = 0, pos = position;
        while (done < count) {
            int n = Math.min(maxBatch, count - done);
            layers(tokens, from + done, n, pos);
            if (allLogits != null) {
                for (int t = 0; t < n; t++) {
                    mv.matvec(output, out, t * nEmbd, allLogits, (done + t) * nVocab);
                    check(-1, "result_output", allLogits, (done + t) * nVocab, nVocab);
                }
            }
            done += n;
            pos += n;
            if (done == count && logits != null) {
                if (allLogits != null) System.arraycopy(allLogits, (count - 1) * nVocab, logits, 0, nVocab);
                else mv.matvec(output, out, (n - 1) * nEmbd, logits, 0);
                check(-1, "result_output", logits, 0, nVocab);
            }
            position = pos; // the cache now holds these tokens
        }
    }

    /** Copies token embeddings (dequantized rows of token_embd) into x [n, n_embd]. */
    protected void embed(int[] tokens, int off, int n, float[] x) {
        for (int t = 0; t < n; t++) tokEmbd.dequantizeRow(tokens[off + t], x, t * nEmbd);
    }

    /** Hands an intermediate to the probe and, with checkFinite, fails on NaN/Inf naming layer and tensor. */
    protected final void emit(int layer, String name, float[] data, int n, int width) {
        if (probe != null) probe.tensor(layer, name, data, n, width);
        if (checkFinite) check(layer, name, data, 0, n * width);
    }

    private void check(int layer, String name, float[] data, int off, int len) {
        if (!checkFinite) return;
        for (int i = 0; i < len; i++) {
            float v = data[off + i];
            if (!Float.isFinite(v)) {
                throw new NonFiniteException((layer >= 0 ? "layer " + layer + " " : "") + "tensor " + name + ": " + v + " at element " + i
                        + " (model " + info.name() + ", position " + position + "+)");
            }
        }
    }

    /** The model closes this pool (created by the loader for {@link LoadOptions#threads()}) with itself. */
    void ownPool(Parallel p) {
        ownedPool = p;
    }

    @Override
    public void close() {
        file.close();
        if (ownedPool != null) ownedPool.close();
    }
}
