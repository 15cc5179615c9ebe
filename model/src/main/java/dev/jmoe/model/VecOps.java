package dev.jmoe.model;

import dev.jmoe.tensor.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Float dot product and axpy for the attention inner loops (Vector API, scalar tail); deterministic. */
final class VecOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many F16 values as S has floats. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));

    private VecOps() {}

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            // lanes summed in a fixed order: reduceLanes' order differs between the interpreter and C2, and a
            // result that depends on JIT state would move MoE routing near-ties from run to run; the tree, not the
            // lanes one after another (16 dependent adds a cached position and head)
            s = Simd.sumTree(acc);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /**
     * {@link #dot} of {@code a[ao..]} with four rows of {@code b} (from {@code b0..b3}) into {@code out[oo..oo+4)}: each
     * row its own FMA chain, tree and tail, so each value has {@link #dot}'s bits; four chains side by side instead of
     * one (a chain waits an FMA's latency a vector), and {@code a} loaded once for the four.
     */
    static void dot4(float[] a, int ao, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int oo) {
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= S.length()) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
            }
            if (Simd.FOLDS16 && i == n) { // the four trees folded side by side (as dot4x4's), no tails to add
                FloatVector r0 = L0.selectFrom(c0, c1).add(H0.selectFrom(c0, c1)), r1 = L0.selectFrom(c2, c3).add(H0.selectFrom(c2, c3));
                FloatVector t = L1.selectFrom(r0, r1).add(H1.selectFrom(r0, r1));
                t = L2.selectFrom(t, t).add(H2.selectFrom(t, t));
                L3.selectFrom(t, t).add(H3.selectFrom(t, t)).intoArray(out, oo, FIRST4);
                return;
            }
            s0 = Simd.sumTree(c0);
            s1 = Simd.sumTree(c1);
            s2 = Simd.sumTree(c2);
            s3 = Simd.sumTree(c3);
        }
        for (; i < n; i++) {
            s0 += a[ao + i] * b[b0 + i];
            s1 += a[ao + i] * b[b1 + i];
            s2 += a[ao + i] * b[b2 + i];
            s3 += a[ao + i] * b[b3 + i];
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /** {@link #dotStaged} of {@code a[ao..]} with four rows of {@code b} into {@code out[oo..oo+4)}, each with its bits (as {@link #dot4}). */
    static void dotStaged4(float[] a, int ao, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int oo) {
        int i = 0, len = S.length();
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= len) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i), aw = FloatVector.fromArray(S, a, ao + i + len);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                d0 = aw.fma(FloatVector.fromArray(S, b, b0 + i + len), d0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                d1 = aw.fma(FloatVector.fromArray(S, b, b1 + i + len), d1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                d2 = aw.fma(FloatVector.fromArray(S, b, b2 + i + len), d2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
                d3 = aw.fma(FloatVector.fromArray(S, b, b3 + i + len), d3);
            }
            if (i + len <= n) {
                FloatVector av = FloatVector.fromArray(S, a, ao + i);
                c0 = av.fma(FloatVector.fromArray(S, b, b0 + i), c0);
                c1 = av.fma(FloatVector.fromArray(S, b, b1 + i), c1);
                c2 = av.fma(FloatVector.fromArray(S, b, b2 + i), c2);
                c3 = av.fma(FloatVector.fromArray(S, b, b3 + i), c3);
                i += len;
            }
            s0 = Simd.sumTree(c0.add(d0));
            s1 = Simd.sumTree(c1.add(d1));
            s2 = Simd.sumTree(c2.add(d2));
            s3 = Simd.sumTree(c3.add(d3));
        }
        for (; i < n; i++) {
            s0 += a[ao + i] * b[b0 + i];
            s1 += a[ao + i] * b[b1 + i];
            s2 += a[ao + i] * b[b2 + i];
            s3 += a[ao + i] * b[b3 + i];
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /**
     * Four {@link #axpy}s (or, {@code fusedTail}, {@link #axpyStaged}s) into the same {@code y}, rows {@code x0..x3} of
     * {@code x} times {@code alpha[ai..ai+4)}, in that order: each element takes the same four FMAs in the same order
     * (the same bits), and {@code y} is loaded and stored once instead of four times.
     */
    static void axpy4(float[] alpha, int ai, float[] x, int x0, int x1, int x2, int x3, float[] y, int yo, int n, boolean fusedTail) {
        int i = 0;
        float e0 = alpha[ai], e1 = alpha[ai + 1], e2 = alpha[ai + 2], e3 = alpha[ai + 3];
        if (n >= S.length()) {
            FloatVector v0 = FloatVector.broadcast(S, e0), v1 = FloatVector.broadcast(S, e1);
            FloatVector v2 = FloatVector.broadcast(S, e2), v3 = FloatVector.broadcast(S, e3);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector acc = FloatVector.fromArray(S, x, x0 + i).fma(v0, FloatVector.fromArray(S, y, yo + i));
                acc = FloatVector.fromArray(S, x, x1 + i).fma(v1, acc);
                acc = FloatVector.fromArray(S, x, x2 + i).fma(v2, acc);
                FloatVector.fromArray(S, x, x3 + i).fma(v3, acc).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            if (fusedTail) {
                y[yo + i] = Math.fma(e3, x[x3 + i], Math.fma(e2, x[x2 + i], Math.fma(e1, x[x1 + i], Math.fma(e0, x[x0 + i], y[yo + i]))));
            } else {
                y[yo + i] += e0 * x[x0 + i];
                y[yo + i] += e1 * x[x1 + i];
                y[yo + i] += e2 * x[x2 + i];
                y[yo + i] += e3 * x[x3 + i];
            }
        }
    }

    /**
     * {@link #dot} of four vectors of {@code a} (from {@code a0..a3}) with four rows of {@code b} (from {@code b0..b3}):
     * {@code out[oo + 4i + j] = dot(a[ai..], b[bj..])}, each pair its own FMA chain, tree and tail (dot's bits). A 4 × 4
     * tile: 8 loads feed 16 FMAs, where {@link #dot4} loads 5 for 4 (MLA: four heads' queries against four cached rows).
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[16 * S.length()]);

    /** {@link Simd#fold}'s index vectors, levels 0–3 (16-lane S). */
    private static final FloatVector L0 = Simd.FOLD0_LO, H0 = Simd.FOLD0_HI, L1 = Simd.FOLD1_LO, H1 = Simd.FOLD1_HI;
    private static final FloatVector L2 = Simd.FOLD2_LO, H2 = Simd.FOLD2_HI, L3 = Simd.FOLD3_LO, H3 = Simd.FOLD3_HI;

    /** The first 8 lanes (a 16-lane S): the eight sums of {@link #dotStaged4x2}'s last fold. */
    private static final VectorMask<Float> HALF = VectorMask.fromLong(S, 0xffL);

    /** The first 4 lanes: {@link #dot4}'s four sums. */
    private static final VectorMask<Float> FIRST4 = VectorMask.fromLong(S, 0xfL);

    static void dot4x4(float[] a, int a0, int a1, int a2, int a3, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int oo) {
        int i = 0;
        if (n < S.length()) java.util.Arrays.fill(out, oo, oo + 16, 0f); // else the trees set them
        if (n >= S.length()) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector y0 = FloatVector.fromArray(S, b, b0 + i), y1 = FloatVector.fromArray(S, b, b1 + i);
                FloatVector y2 = FloatVector.fromArray(S, b, b2 + i), y3 = FloatVector.fromArray(S, b, b3 + i);
                FloatVector x = FloatVector.fromArray(S, a, a0 + i);
                c00 = x.fma(y0, c00);
                c01 = x.fma(y1, c01);
                c02 = x.fma(y2, c02);
                c03 = x.fma(y3, c03);
                x = FloatVector.fromArray(S, a, a1 + i);
                c10 = x.fma(y0, c10);
                c11 = x.fma(y1, c11);
                c12 = x.fma(y2, c12);
                c13 = x.fma(y3, c13);
                x = FloatVector.fromArray(S, a, a2 + i);
                c20 = x.fma(y0, c20);
                c21 = x.fma(y1, c21);
                c22 = x.fma(y2, c22);
                c23 = x.fma(y3, c23);
                x = FloatVector.fromArray(S, a, a3 + i);
                c30 = x.fma(y0, c30);
                c31 = x.fma(y1, c31);
                c32 = x.fma(y2, c32);
                c33 = x.fma(y3, c33);
            }
            if (Simd.FOLDS16) { // the 16 trees level by level, two vectors a step (Simd.fold written out: see FOLD0_LO)
                FloatVector r0 = L0.selectFrom(c00, c01).add(H0.selectFrom(c00, c01)), r1 = L0.selectFrom(c02, c03).add(H0.selectFrom(c02, c03));
                FloatVector r2 = L0.selectFrom(c10, c11).add(H0.selectFrom(c10, c11)), r3 = L0.selectFrom(c12, c13).add(H0.selectFrom(c12, c13));
                FloatVector r4 = L0.selectFrom(c20, c21).add(H0.selectFrom(c20, c21)), r5 = L0.selectFrom(c22, c23).add(H0.selectFrom(c22, c23));
                FloatVector r6 = L0.selectFrom(c30, c31).add(H0.selectFrom(c30, c31)), r7 = L0.selectFrom(c32, c33).add(H0.selectFrom(c32, c33));
                FloatVector s0 = L1.selectFrom(r0, r1).add(H1.selectFrom(r0, r1)), s1 = L1.selectFrom(r2, r3).add(H1.selectFrom(r2, r3));
                FloatVector s2 = L1.selectFrom(r4, r5).add(H1.selectFrom(r4, r5)), s3 = L1.selectFrom(r6, r7).add(H1.selectFrom(r6, r7));
                FloatVector t0 = L2.selectFrom(s0, s1).add(H2.selectFrom(s0, s1)), t1 = L2.selectFrom(s2, s3).add(H2.selectFrom(s2, s3));
                L3.selectFrom(t0, t1).add(H3.selectFrom(t0, t1)).intoArray(out, oo); // lane k: pair k's sum
            } else {
                // the 16 lane sums without a call each (Simd.sumTree takes a vector: 16 calls left this method too big to
                // inline them, and each boxed its vector): the lanes stored, then summed in sumTree's tree
                float[] lanes = LANES.get();
                int l = S.length();
                c00.intoArray(lanes, 0);
                c01.intoArray(lanes, l);
                c02.intoArray(lanes, 2 * l);
                c03.intoArray(lanes, 3 * l);
                c10.intoArray(lanes, 4 * l);
                c11.intoArray(lanes, 5 * l);
                c12.intoArray(lanes, 6 * l);
                c13.intoArray(lanes, 7 * l);
                c20.intoArray(lanes, 8 * l);
                c21.intoArray(lanes, 9 * l);
                c22.intoArray(lanes, 10 * l);
                c23.intoArray(lanes, 11 * l);
                c30.intoArray(lanes, 12 * l);
                c31.intoArray(lanes, 13 * l);
                c32.intoArray(lanes, 14 * l);
                c33.intoArray(lanes, 15 * l);
                for (int k = 0; k < 16; k++) out[oo + k] = Simd.sumTree(lanes, k * l);
            }
        }
        for (int r = 0; r < 4 && i < n; r++) { // the tails, each pair's products in order as dot adds them
            int ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
            for (int c = 0; c < 4; c++) {
                int bc = c == 0 ? b0 : c == 1 ? b1 : c == 2 ? b2 : b3;
                float sum = out[oo + 4 * r + c];
                for (int k = i; k < n; k++) sum += a[ar + k] * b[bc + k];
                out[oo + 4 * r + c] = sum;
            }
        }
    }

    /**
     * {@link #dotStaged} of four vectors of {@code a} (from {@code a0..a3}) with two rows of {@code b} ({@code b0, b1}):
     * {@code out[oo + 2i + j] = dotStaged(a[ai..], b[bj..])}, each pair its two FMA chains, tree and tail (the same
     * bits); 16 accumulators, as {@link #dot4x4} (MLA's F16 cache: four heads against two cached rows).
     */
    static void dotStaged4x2(float[] a, int a0, int a1, int a2, int a3, float[] b, int b0, int b1, int n, float[] out, int oo) {
        int i = 0, l = S.length();
        if (n < l) java.util.Arrays.fill(out, oo, oo + 8, 0f); // else the trees set them
        if (n >= l) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            FloatVector d00 = c00, d01 = c00, d10 = c00, d11 = c00, d20 = c00, d21 = c00, d30 = c00, d31 = c00;
            for (int up = n - 2 * l; i <= up; i += 2 * l) {
                FloatVector y0 = FloatVector.fromArray(S, b, b0 + i), y1 = FloatVector.fromArray(S, b, b1 + i);
                FloatVector z0 = FloatVector.fromArray(S, b, b0 + i + l), z1 = FloatVector.fromArray(S, b, b1 + i + l);
                FloatVector x = FloatVector.fromArray(S, a, a0 + i), x2 = FloatVector.fromArray(S, a, a0 + i + l);
                c00 = x.fma(y0, c00);
                c01 = x.fma(y1, c01);
                d00 = x2.fma(z0, d00);
                d01 = x2.fma(z1, d01);
                x = FloatVector.fromArray(S, a, a1 + i);
                x2 = FloatVector.fromArray(S, a, a1 + i + l);
                c10 = x.fma(y0, c10);
                c11 = x.fma(y1, c11);
                d10 = x2.fma(z0, d10);
                d11 = x2.fma(z1, d11);
                x = FloatVector.fromArray(S, a, a2 + i);
                x2 = FloatVector.fromArray(S, a, a2 + i + l);
                c20 = x.fma(y0, c20);
                c21 = x.fma(y1, c21);
                d20 = x2.fma(z0, d20);
                d21 = x2.fma(z1, d21);
                x = FloatVector.fromArray(S, a, a3 + i);
                x2 = FloatVector.fromArray(S, a, a3 + i + l);
                c30 = x.fma(y0, c30);
                c31 = x.fma(y1, c31);
                d30 = x2.fma(z0, d30);
                d31 = x2.fma(z1, d31);
            }
            if (i + l <= n) {
                FloatVector y0 = FloatVector.fromArray(S, b, b0 + i), y1 = FloatVector.fromArray(S, b, b1 + i);
                FloatVector x = FloatVector.fromArray(S, a, a0 + i);
                c00 = x.fma(y0, c00);
                c01 = x.fma(y1, c01);
                x = FloatVector.fromArray(S, a, a1 + i);
                c10 = x.fma(y0, c10);
                c11 = x.fma(y1, c11);
                x = FloatVector.fromArray(S, a, a2 + i);
                c20 = x.fma(y0, c20);
                c21 = x.fma(y1, c21);
                x = FloatVector.fromArray(S, a, a3 + i);
                c30 = x.fma(y0, c30);
                c31 = x.fma(y1, c31);
                i += l;
            }
            if (Simd.FOLDS16) { // as dot4x4; the last level folds the eight sums' pairs with themselves
                FloatVector e0 = c00.add(d00), e1 = c01.add(d01), e2 = c10.add(d10), e3 = c11.add(d11);
                FloatVector e4 = c20.add(d20), e5 = c21.add(d21), e6 = c30.add(d30), e7 = c31.add(d31);
                FloatVector r0 = L0.selectFrom(e0, e1).add(H0.selectFrom(e0, e1)), r1 = L0.selectFrom(e2, e3).add(H0.selectFrom(e2, e3));
                FloatVector r2 = L0.selectFrom(e4, e5).add(H0.selectFrom(e4, e5)), r3 = L0.selectFrom(e6, e7).add(H0.selectFrom(e6, e7));
                FloatVector s0 = L1.selectFrom(r0, r1).add(H1.selectFrom(r0, r1)), s1 = L1.selectFrom(r2, r3).add(H1.selectFrom(r2, r3));
                FloatVector t = L2.selectFrom(s0, s1).add(H2.selectFrom(s0, s1));
                L3.selectFrom(t, t).add(H3.selectFrom(t, t)).intoArray(out, oo, HALF);
            } else {
                float[] lanes = LANES.get(); // as dot4x4: summed from memory, no call per vector
                c00.add(d00).intoArray(lanes, 0);
                c01.add(d01).intoArray(lanes, l);
                c10.add(d10).intoArray(lanes, 2 * l);
                c11.add(d11).intoArray(lanes, 3 * l);
                c20.add(d20).intoArray(lanes, 4 * l);
                c21.add(d21).intoArray(lanes, 5 * l);
                c30.add(d30).intoArray(lanes, 6 * l);
                c31.add(d31).intoArray(lanes, 7 * l);
                for (int k = 0; k < 8; k++) out[oo + k] = Simd.sumTree(lanes, k * l);
            }
        }
        for (int r = 0; r < 4 && i < n; r++) {
            int ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
            for (int c = 0; c < 2; c++) {
                int bc = c == 0 ? b0 : b1;
                float sum = out[oo + 2 * r + c];
                for (int k = i; k < n; k++) sum += a[ar + k] * b[bc + k];
                out[oo + 2 * r + c] = sum;
            }
        }
    }

    /**
     * Four queries' scores against rows {@code p0..p1} of floats ({@link #dotStaged4x2} two rows at a time, then
     * {@link #dotStaged} row by row: each pair the bits of dotStaged): query i at {@code q[q0 + i·qStride ..]}, row p at
     * {@code rows[rowAt + (p − p0)·rowStride ..]}, n values each; the score of query i and row p goes to
     * {@code sc[k + i][p]}, {@code t} (8 floats) is scratch. MLA's heads or tokens and GQA's fours over a staged F16 block.
     */
    static void stagedScores4(float[] q, int q0, int qStride, float[] rows, int rowAt, int rowStride, int n, int p0, int p1,
            float[][] sc, int k, float[] t) {
        int p = p0;
        for (; p + 2 <= p1; p += 2) {
            int r = rowAt + (p - p0) * rowStride;
            dotStaged4x2(q, q0, q0 + qStride, q0 + 2 * qStride, q0 + 3 * qStride, rows, r, r + rowStride, n, t, 0);
            for (int i = 0; i < 4; i++) {
                sc[k + i][p] = t[2 * i];
                sc[k + i][p + 1] = t[2 * i + 1];
            }
        }
        for (; p < p1; p++) {
            for (int i = 0; i < 4; i++) sc[k + i][p] = dotStaged(q, q0 + i * qStride, rows, rowAt + (p - p0) * rowStride, n);
        }
    }

    /**
     * {@link #axpy4} for four outputs at once: {@code y[yj..] += Σ_{i<4} pj[p + i] · x[xi..]} for j = 0..3, rows in
     * order (each element the same FMAs in the same order as four {@link #axpy}s, or with {@code fusedTail}
     * {@link #axpyStaged}s, per output: the same bits); the four rows are loaded once for the four outputs.
     */
    static void axpy4x4(float[] p0, float[] p1, float[] p2, float[] p3, int p, float[] x, int x0, int x1, int x2, int x3,
            float[] y, int y0, int y1, int y2, int y3, int n, boolean fusedTail) {
        int i = 0;
        if (n >= S.length()) {
            FloatVector e00 = FloatVector.broadcast(S, p0[p]), e01 = FloatVector.broadcast(S, p0[p + 1]);
            FloatVector e02 = FloatVector.broadcast(S, p0[p + 2]), e03 = FloatVector.broadcast(S, p0[p + 3]);
            FloatVector e10 = FloatVector.broadcast(S, p1[p]), e11 = FloatVector.broadcast(S, p1[p + 1]);
            FloatVector e12 = FloatVector.broadcast(S, p1[p + 2]), e13 = FloatVector.broadcast(S, p1[p + 3]);
            FloatVector e20 = FloatVector.broadcast(S, p2[p]), e21 = FloatVector.broadcast(S, p2[p + 1]);
            FloatVector e22 = FloatVector.broadcast(S, p2[p + 2]), e23 = FloatVector.broadcast(S, p2[p + 3]);
            FloatVector e30 = FloatVector.broadcast(S, p3[p]), e31 = FloatVector.broadcast(S, p3[p + 1]);
            FloatVector e32 = FloatVector.broadcast(S, p3[p + 2]), e33 = FloatVector.broadcast(S, p3[p + 3]);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector r0 = FloatVector.fromArray(S, x, x0 + i), r1 = FloatVector.fromArray(S, x, x1 + i);
                FloatVector r2 = FloatVector.fromArray(S, x, x2 + i), r3 = FloatVector.fromArray(S, x, x3 + i);
                r3.fma(e03, r2.fma(e02, r1.fma(e01, r0.fma(e00, FloatVector.fromArray(S, y, y0 + i))))).intoArray(y, y0 + i);
                r3.fma(e13, r2.fma(e12, r1.fma(e11, r0.fma(e10, FloatVector.fromArray(S, y, y1 + i))))).intoArray(y, y1 + i);
                r3.fma(e23, r2.fma(e22, r1.fma(e21, r0.fma(e20, FloatVector.fromArray(S, y, y2 + i))))).intoArray(y, y2 + i);
                r3.fma(e33, r2.fma(e32, r1.fma(e31, r0.fma(e30, FloatVector.fromArray(S, y, y3 + i))))).intoArray(y, y3 + i);
            }
        }
        for (; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                float[] pj = j == 0 ? p0 : j == 1 ? p1 : j == 2 ? p2 : p3;
                int yj = j == 0 ? y0 : j == 1 ? y1 : j == 2 ? y2 : y3;
                if (fusedTail) {
                    y[yj + i] = Math.fma(pj[p + 3], x[x3 + i], Math.fma(pj[p + 2], x[x2 + i], Math.fma(pj[p + 1], x[x1 + i], Math.fma(pj[p], x[x0 + i], y[yj + i]))));
                    continue;
                }
                y[yj + i] += pj[p] * x[x0 + i];
                y[yj + i] += pj[p + 1] * x[x1 + i];
                y[yj + i] += pj[p + 2] * x[x2 + i];
                y[yj + i] += pj[p + 3] * x[x3 + i];
            }
        }
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)}. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (n >= S.length()) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /**
     * Dot product with an F16 operand (IEEE half bits), accumulated in float in a fixed order: two lane-wise FMA chains
     * over pairs of vectors, one more vector into the first, the chains added, their lanes summed by {@link Simd#sumTree},
     * then the scalar tail. {@link #dotStaged} gives the same bits from the operand converted to floats beforehand.
     * The F16 cache's attention reads every cached row once per head with it; the sequential scalar sum it replaced
     * (one add's latency a value) made attention 13 % of Moonlight's 128-token prefill.
     */
    static float dot16(float[] a, int ao, short[] b, int bo, int n) {
        int i = 0, len = S.length();
        float s = 0;
        if (n >= len) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                // F16 → F32 written out (a helper returning a vector is boxed when compiled on its own): sign and
                // the 15 low bits moved to their float places, times 2^112 (exact for normal and subnormal halves);
                // exponent 31 (infinities, NaN) gets the float's all-ones exponent, as Float.float16ToFloat does
                IntVector h0 = (IntVector) ShortVector.fromArray(H, b, bo + i).convertShape(VectorOperators.S2I, I, 0);
                IntVector h1 = (IntVector) ShortVector.fromArray(H, b, bo + i + len).convertShape(VectorOperators.S2I, I, 0);
                FloatVector f0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                FloatVector f1 = h1.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                f1 = f1.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h1.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a0 = FloatVector.fromArray(S, a, ao + i).fma(f0, a0);
                a1 = FloatVector.fromArray(S, a, ao + i + len).fma(f1, a1);
            }
            if (i + len <= n) {
                IntVector h0 = (IntVector) ShortVector.fromArray(H, b, bo + i).convertShape(VectorOperators.S2I, I, 0);
                FloatVector f0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a0 = FloatVector.fromArray(S, a, ao + i).fma(f0, a0);
                i += len;
            }
            s = Simd.sumTree(a0.add(a1));
        }
        for (; i < n; i++) s += a[ao + i] * Float.float16ToFloat(b[bo + i]);
        return s;
    }

    /** {@link #dot16} over F16 values already converted to floats ({@link #stage}): the same operations, the same bits. */
    static float dotStaged(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0, len = S.length();
        float s = 0;
        if (n >= len) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int up = n - 2 * len; i <= up; i += 2 * len) {
                a0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), a0);
                a1 = FloatVector.fromArray(S, a, ao + i + len).fma(FloatVector.fromArray(S, b, bo + i + len), a1);
            }
            if (i + len <= n) {
                a0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), a0);
                i += len;
            }
            s = Simd.sumTree(a0.add(a1));
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** {@code y[yo..+n) += alpha · x[xo..+n)} with x in F16 (converted as in {@link #dot16}), each element one FMA. */
    static void axpy16(float alpha, short[] x, int xo, float[] y, int yo, int n) {
        int i = 0, len = S.length();
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int up = n - len; i <= up; i += len) {
            IntVector h = (IntVector) ShortVector.fromArray(H, x, xo + i).convertShape(VectorOperators.S2I, I, 0);
            FloatVector f = h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
            f = f.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
            f.fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, Float.float16ToFloat(x[xo + i]), y[yo + i]); // as the lanes
    }

    /** {@link #axpy16} over F16 values already converted to floats: the same bits. */
    static void axpyStaged(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, len = S.length();
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int up = n - len; i <= up; i += len) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    /**
     * {@code dst[0..n) = src[so..so+n)} converted from F16 (exactly). A plain loop of {@link Float#float16ToFloat}, which
     * C2 compiles to {@code vcvtph2ps} vectors.
     */
    static void stage(short[] src, int so, float[] dst, int n) {
        stage(src, so, dst, 0, n);
    }

    /** {@link #stage} into {@code dst[dOff..dOff+n)}. */
    static void stage(short[] src, int so, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Float.float16ToFloat(src[so + i]);
    }

    /** Rounds to the nearest F16 value (ggml's fp32→fp16 conversion, round to nearest even). */
    static float roundHalf(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
