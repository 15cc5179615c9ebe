package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;

/**
 * What every decoder-only architecture shares: per-slot position bookkeeping, argument checks before any compute,
 * splitting work into micro-batches, the final norm's output head, the NaN/Inf check and the probe. Subclasses
 * implement {@link #layers}: the embedding lookup and all layers for one micro-batch, leaving the normalized final
 * hidden states in {@link #out}.
 *
 * <p>KV slots: slot s owns cache rows {@code [s·ctx, (s+1)·ctx)}; a token at position p of slot s is stored in row
 * {@code s·ctx + p} and attends over rows {@code s·ctx .. s·ctx + p}.
 */
abstract class DecoderModel implements LanguageModel {
    protected final GgufFile file;
    protected final ModelInfo info;
    protected final int nEmbd, nVocab, ctx, maxBatch, slots;
    protected final Parallel pool;
    protected final MatVec mv;
    protected final Matrix tokEmbd, output; // {n_embd, n_vocab}
    protected final boolean checkFinite;
    protected final Probe probe;
    /** [B, n_embd]: after {@link #layers}, rmsnorm(x) · output_norm of each token of the batch. */
    protected final float[] out;
    private final int[] position;                  // [slots] next position of each slot
    private final int[] mbTokens, mbPos, mbRow;    // [maxBatch] one micro-batch of a TokenBatch
    private final int[] pending;                   // [slots] tokens of each slot in the batch being checked
    private Parallel ownedPool;

    DecoderModel(GgufFile file, ModelInfo info, int nEmbd, Matrix tokEmbd, Matrix output, int ctx, LoadOptions opt) {
        this.file = file;
        this.info = info;
        this.nEmbd = nEmbd;
        this.nVocab = tokEmbd.rows();
        this.ctx = ctx;
        this.maxBatch = Math.min(opt.maxBatch(), ctx);
        this.slots = opt.slots();
        this.position = new int[slots];
        this.pending = new int[slots];
        this.mbTokens = new int[maxBatch];
        this.mbPos = new int[maxBatch];
        this.mbRow = new int[maxBatch];
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

    /**
     * Runs tokens {@code tokens[off .. off+n)} through all layers (n ≤ maxBatch): token t is at position
     * {@code pos[t]} of its sequence and goes to KV cache row {@code row[t]} (its slot's rows start at
     * {@code row[t] − pos[t]}).
     */
    protected abstract void layers(int[] tokens, int off, int n, int[] pos, int[] row);

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
    public int slots() {
        return slots;
    }

    @Override
    public int position() {
        return position[0];
    }

    @Override
    public int position(int slot) {
        return position[checkSlot(slot)];
    }

    @Override
    public void truncate(int pos) {
        truncate(0, pos);
    }

    @Override
    public void truncate(int slot, int pos) {
        int have = position[checkSlot(slot)];
        if (pos < 0 || pos > have) throw new IllegalArgumentException("cannot truncate slot " + slot + " to position " + pos + ": it holds " + have);
        position[slot] = pos; // rows past pos are overwritten before they are read again
    }

    private int checkSlot(int slot) {
        if (slot < 0 || slot >= slots) throw new IllegalArgumentException("slot " + slot + " is outside the model's " + slots + " KV slot(s)");
        return slot;
    }

    @Override
    public final void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits) {
        if (count < 1) throw new IllegalArgumentException("no tokens to run (count " + count + ")");
        if (from < 0 || from + count > tokens.length) throw new IllegalArgumentException("tokens [" + from + ", " + (from + count) + ") are outside an array of " + tokens.length);
        if (position[0] + count > ctx) {
            throw new IllegalArgumentException(count + " tokens at position " + position[0] + " need a context of " + (position[0] + count) + ", the model was loaded with " + ctx);
        }
        for (int i = from; i < from + count; i++) checkToken(tokens[i], i);
        if (logits != null && logits.length < nVocab) throw new IllegalArgumentException("logits array holds " + logits.length + " < vocabulary " + nVocab);
        if (allLogits != null && allLogits.length < (long) count * nVocab) throw new IllegalArgumentException("allLogits array holds " + allLogits.length + " < " + count + " x " + nVocab);
        int done = 0, pos = position[0];
        while (done < count) {
            int n = Math.min(maxBatch, count - done);
            for (int t = 0; t < n; t++) {
                mbPos[t] = pos + t;
                mbRow[t] = pos + t; // slot 0
            }
            layers(tokens, from + done, n, mbPos, mbRow);
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
            position[0] = pos; // the cache now holds these tokens
        }
    }

    private void checkToken(int id, int index) {
        if (id < 0 || id >= nVocab) throw new IllegalArgumentException("token id " + id + " at index " + index + " is outside the vocabulary of " + nVocab);
    }

    @Override
    public final void forward(TokenBatch batch, float[] logits) {
        int n = batch.size();
        if (n == 0) throw new IllegalArgumentException("no tokens to run (empty batch)");
        java.util.Arrays.fill(pending, 0);
        for (int i = 0; i < n; i++) {
            checkToken(batch.token(i), i);
            pending[checkSlot(batch.slot(i))]++;
        }
        for (int s = 0; s < slots; s++) {
            if (position[s] + pending[s] > ctx) {
                throw new IllegalArgumentException(pending[s] + " tokens at position " + position[s] + " of slot " + s + " need a context of "
                        + (position[s] + pending[s]) + ", the model was loaded with " + ctx);
            }
        }
        int want = batch.logitsCount();
        if (want > 0 && (logits == null || logits.length < (long) want * nVocab)) {
            throw new IllegalArgumentException("logits array holds " + (logits == null ? 0 : logits.length) + " < " + want + " x " + nVocab);
        }
        int k = 0;
        for (int done = 0; done < n; ) {
            int m = Math.min(maxBatch, n - done);
            java.util.Arrays.fill(pending, 0);
            for (int t = 0; t < m; t++) {
                int s = batch.slot(done + t);
                mbTokens[t] = batch.token(done + t);
                mbPos[t] = position[s] + pending[s]++;
                mbRow[t] = s * ctx + mbPos[t];
            }
            layers(mbTokens, 0, m, mbPos, mbRow);
            for (int t = 0; t < m; t++) position[batch.slot(done + t)]++; // the cache now holds these tokens
            for (int t = 0; t < m; t++) {
                if (!batch.wantsLogits(done + t)) continue;
                mv.matvec(output, out, t * nEmbd, logits, k * nVocab);
                check(-1, "result_output", logits, k * nVocab, nVocab);
                k++;
            }
            done += m;
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
                        + " (model " + info.name() + ", slot 0 position " + position[0] + "+)");
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
