package dev.jmoe.model;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.tensor.MatVec;
import dev.jmoe.tensor.Matrix;
import dev.jmoe.tensor.Parallel;

/**
 * What every decoder-only architecture shares: position bookkeeping per KV slot, argument checks before any compute,
 * splitting a batch into micro-batches, the final norm's output head, the NaN/Inf check and the probe. Subclasses
 * implement {@link #layers}: the embedding lookup and all layers for one micro-batch whose tokens may belong to
 * different slots (each token carries its slot and position), leaving the normalized final hidden states in
 * {@link #out}.
 *
 * <p>Batch invariance: every per-token computation (matmul rows, norms, rope, routing, expert FFNs, attention over
 * the token's own slot) is independent of the other tokens of the micro-batch, so a sequence's logits are bit for
 * bit the same alone or beside others, and however the batch is split.
 */
abstract class DecoderModel implements LanguageModel {
    protected final GgufFile file;
    private Packer packer;
    protected final ModelInfo info;
    protected final int nEmbd, nVocab, ctx, maxBatch, slots;
    protected final Parallel pool;
    protected final MatVec mv;
    protected final Matrix tokEmbd, output; // {n_embd, n_vocab}
    protected final boolean checkFinite;
    protected final Probe probe;
    /** [B, n_embd]: after {@link #layers}, rmsnorm(x) · output_norm of each token of the batch. */
    protected final float[] out;
    private final int[] positions;       // [slots] next position of each slot
    private final int[] next;            // [slots] scratch: positions while a step is laid out and checked
    private final int[] tokSlot, tokPos; // [maxBatch] slot and position of each token of the running micro-batch
    private Parallel ownedPool;

    DecoderModel(GgufFile file, ModelInfo info, int nEmbd, Matrix tokEmbd, Matrix output, int ctx, LoadOptions opt) {
        this.file = file;
        this.info = info;
        this.nEmbd = nEmbd;
        this.nVocab = tokEmbd.rows();
        this.ctx = ctx;
        this.slots = opt.slots();
        this.positions = new int[slots];
        this.next = new int[slots];
        this.maxBatch = Math.min(opt.maxBatch(), ctx);
        this.pool = opt.poolOrCommon();
        this.mv = new MatVec(pool, opt.dotOrder());
        this.tokEmbd = tokEmbd;
        this.output = output;
        this.checkFinite = opt.checkFinite();
        this.probe = opt.probe();
        this.out = new float[maxBatch * nEmbd];
        this.tokSlot = new int[maxBatch];
        this.tokPos = new int[maxBatch];
        if (tokEmbd.cols() != nEmbd) throw new ModelFormatException(tokEmbd.name() + " rows have " + tokEmbd.cols() + " values, expected n_embd " + nEmbd);
        if (output.cols() != nEmbd || output.rows() != nVocab) throw new ModelFormatException(output.name() + " is " + output.cols() + "x" + output.rows() + ", expected " + nEmbd + "x" + nVocab);
    }

    /**
     * Runs tokens {@code tokens[off .. off+n)} through all layers (n ≤ maxBatch): token t (0 ≤ t < n) belongs to KV
     * slot {@code slot[t]} at position {@code pos[t]}, and attends over that slot's positions 0..pos[t] (those before
     * it are in the cache or earlier in this micro-batch).
     */
    protected abstract void layers(int[] tokens, int off, int n, int[] slot, int[] pos);

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
        return positions[0];
    }

    @Override
    public int position(int slot) {
        return positions[checkSlot(slot)];
    }

    @Override
    public void truncate(int pos) {
        truncate(0, pos);
    }

    /** Only the position moves: the rows past it are overwritten by the slot's next tokens, never read before. */
    @Override
    public void truncate(int slot, int pos) {
        int held = positions[checkSlot(slot)];
        if (pos < 0 || pos > held) throw new IllegalArgumentException("cannot truncate slot " + slot + " to position " + pos + ": it holds " + held);
        positions[slot] = pos;
    }

    private int checkSlot(int slot) {
        if (slot < 0 || slot >= slots) throw new IllegalArgumentException("slot " + slot + " is outside the model's " + slots + " KV slots");
        return slot;
    }

    @Override
    public final void forward(int[] tokens, int from, int count, float[] logits, float[] allLogits) {
        if (count < 1) throw new IllegalArgumentException("no tokens to run (count " + count + ")");
        if (from < 0 || from + count > tokens.length) throw new IllegalArgumentException("tokens [" + from + ", " + (from + count) + ") are outside an array of " + tokens.length);
        int position = positions[0];
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
            java.util.Arrays.fill(tokSlot, 0, n, 0);
            for (int t = 0; t < n; t++) tokPos[t] = pos + t;
            layers(tokens, from + done, n, tokSlot, tokPos);
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
            positions[0] = pos; // the cache now holds these tokens
        }
    }

    @Override
    public final void forward(TokenBatch batch, float[] logits) {
        int n = batch.size(), wanted = batch.logitsCount();
        // everything checked before any compute: a bad step leaves every slot as it was
        System.arraycopy(positions, 0, next, 0, slots);
        for (int i = 0; i < n; i++) {
            int s = batch.slot(i), tok = batch.token(i);
            if (s < 0 || s >= slots) throw new IllegalArgumentException("token " + i + " of the batch names slot " + s + ", the model has " + slots + " KV slots");
            if (tok < 0 || tok >= nVocab) throw new IllegalArgumentException("token id " + tok + " at index " + i + " is outside the vocabulary of " + nVocab);
            next[s]++;
        }
        for (int s = 0; s < slots; s++) {
            if (next[s] > ctx) {
                throw new IllegalArgumentException((next[s] - positions[s]) + " tokens at position " + positions[s] + " of slot " + s + " need a context of " + next[s]
                        + ", the model was loaded with " + ctx + " per slot");
            }
        }
        if (wanted > 0 && (logits == null || logits.length < (long) wanted * nVocab)) {
            throw new IllegalArgumentException("logits array holds " + (logits == null ? 0 : logits.length) + " < " + wanted + " x " + nVocab + " (tokens with wantLogits x vocabulary)");
        }
        System.arraycopy(positions, 0, next, 0, slots);
        int done = 0, k = 0;
        while (done < n) {
            int m = Math.min(maxBatch, n - done);
            for (int t = 0; t < m; t++) {
                int s = batch.slot(done + t);
                tokSlot[t] = s;
                tokPos[t] = next[s]++;
            }
            layers(batch.tokenArray(), done, m, tokSlot, tokPos);
            for (int t = 0; t < m; t++) positions[tokSlot[t]] = tokPos[t] + 1; // the cache now holds these tokens
            // output head over the tokens that want logits: their rows of out moved together (w ≤ t, in place)
            int w = 0;
            for (int t = 0; t < m; t++) {
                if (!batch.wantsLogits(done + t)) continue;
                if (w != t) System.arraycopy(out, t * nEmbd, out, w * nEmbd, nEmbd);
                w++;
            }
            if (w > 0) {
                // matmul reads output once for all w tokens, but writes from index 0 only; each row equals its matvec
                if (k == 0) mv.matmul(output, out, w, logits);
                else for (int j = 0; j < w; j++) mv.matvec(output, out, j * nEmbd, logits, (k + j) * nVocab);
                check(-1, "result_output", logits, k * nVocab, w * nVocab);
                k += w;
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
                        + " (model " + info.name() + ", micro-batch from slot " + tokSlot[0] + " position " + tokPos[0] + ")");
            }
        }
    }

    /** The model closes this pool (created by the loader for {@link LoadOptions#threads()}) with itself. */
    void ownPool(Parallel p) {
        ownedPool = p;
    }

    /** The model frees the packed weight copies ({@link Packer}, may be null) with itself. */
    void ownPacked(Packer p) {
        packer = p;
    }

    @Override
    public void close() {
        file.close();
        if (ownedPool != null) ownedPool.close();
        if (packer != null) packer.close();
    }
}
