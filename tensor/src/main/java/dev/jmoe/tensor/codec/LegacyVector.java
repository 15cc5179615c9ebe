package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u32;

import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API fast paths of the legacy block types (32 values per block) and of the float types.
 *
 * <p>Integer dots: per block, the two 16-byte halves (values j and j+16) are widened to 16 shorts, multiplied by the
 * Q8 activations (|w·x| ≤ 128·127, so the sum of two products still fits a short), adjacent pairs are summed into 8
 * ints (as {@code pmaddwd}), converted to float and accumulated with the block scale d_w·d_x by FMA into 8 float
 * lanes; one reduction per row. This is the shape of ggml's AVX2 kernels: the integer sums are exact, the float
 * summation order differs from the scalar reference by rounding only (tests bound it). Needs 256-bit vectors
 * ({@link dev.jmoe.tensor.Simd#INT_KERNELS}).
 *
 * <p>Float dots and dequantization take the float species as a parameter so tests can run them on 128/256/512 bits.
 */
public final class LegacyVector {
    private LegacyVector() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;

    private static final ByteVector KV_IQ4NL = ByteVector.fromArray(B128, IqTables.KVALUES_IQ4NL, 0);
    /** lane j → bit j%8 (to test the Q5 high bits). */
    private static final ByteVector BIT_OF_LANE;
    /** lane j → byte j/8 (lanes 0..15, values 0..15 of a block) or 2 + j/8 (values 16..31) of qh. */
    private static final VectorShuffle<Byte> QH_LO, QH_HI;

    static {
        byte[] bits = new byte[16];
        int[] lo = new int[16], hi = new int[16];
        for (int j = 0; j < 16; j++) {
            bits[j] = (byte) (1 << (j % 8));
            lo[j] = j / 8;
            hi[j] = 2 + j / 8;
        }
        BIT_OF_LANE = ByteVector.fromArray(B128, bits, 0);
        QH_LO = VectorShuffle.fromArray(B128, lo, 0);
        QH_HI = VectorShuffle.fromArray(B128, hi, 0);
    }

    // ---- integer block dots -------------------------------------------------------------------------------------

    private static ShortVector widen(ByteVector v) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S256, 0);
    }

    /** 8 int lanes whose sum is Σ_j w0_j·x0_j + w1_j·x1_j over the 16 lanes of each. */
    private static FloatVector dot32(ByteVector w0, ByteVector x0, ByteVector w1, ByteVector x1) {
        IntVector i = widen(w0).mul(widen(x0)).add(widen(w1).mul(widen(x1))).reinterpretAsInts();
        IntVector s = i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i.lanewise(VectorOperators.ASHR, 16));
        // convertShape with a constant species: convert(I2F, 0) leaves C2 a non-constant target length and the
        // intrinsic fails (PrintIntrinsics: "missing constant … vlen_to=LoadI"), running the Java fallback
        return (FloatVector) s.convertShape(VectorOperators.I2F, F256, 0);
    }

    /** The high nibbles as bytes 0..15: x86 has no byte shift, so shift 32-bit lanes and mask. */
    private static ByteVector hiNibble(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xf);
    }

    private static ByteVector act(byte[] q, int at) {
        return ByteVector.fromArray(B128, q, at);
    }

    private static ByteVector load16(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(B128, w, at, LE);
    }

    /** 0x10 in the lanes whose bit is set in qh (lanes = values 0..15 or 16..31 of the block). */
    private static ByteVector high(int qh, VectorShuffle<Byte> half) {
        ByteVector b = IntVector.broadcast(I128, qh).reinterpretAsBytes().rearrange(half);
        VectorMask<Byte> set = b.and(BIT_OF_LANE).compare(VectorOperators.NE, (byte) 0);
        return ByteVector.zero(B128).blend((byte) 0x10, set);
    }

    public static float dotQ8_0(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 34L * b;
            int xo = xStart + 32 * b;
            FloatVector s = dot32(load16(w, o + 2), act(q, xo), load16(w, o + 18), act(q, xo + 16));
            acc = s.fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
        }
        return hsum(acc);
    }

    public static float dotQ4_0(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 18L * b;
            int xo = xStart + 32 * b;
            ByteVector v = load16(w, o + 2);
            ByteVector lo = v.and((byte) 0xf).sub((byte) 8), hi = hiNibble(v).sub((byte) 8);
            acc = dot32(lo, act(q, xo), hi, act(q, xo + 16)).fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
        }
        return hsum(acc);
    }

    public static float dotIq4Nl(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 18L * b;
            int xo = xStart + 32 * b;
            ByteVector v = load16(w, o + 2);
            ByteVector lo = v.and((byte) 0xf).selectFrom(KV_IQ4NL), hi = hiNibble(v).selectFrom(KV_IQ4NL);
            acc = dot32(lo, act(q, xo), hi, act(q, xo + 16)).fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
        }
        return hsum(acc);
    }

    public static float dotQ4_1(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d, xs = x.s;
        FloatVector acc = FloatVector.zero(F256);
        float ms = 0;
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 20L * b;
            int xo = xStart + 32 * b;
            ByteVector v = load16(w, o + 4);
            ByteVector lo = v.and((byte) 0xf), hi = hiNibble(v);
            acc = dot32(lo, act(q, xo), hi, act(q, xo + 16)).fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
            ms += f16(w, o + 2) * xs[xo >> 5];
        }
        return hsum(acc) + ms;
    }

    public static float dotQ5_0(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d;
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 22L * b;
            int xo = xStart + 32 * b;
            int qh = u32(w, o + 2);
            ByteVector v = load16(w, o + 6);
            ByteVector lo = v.and((byte) 0xf).or(high(qh, QH_LO)).sub((byte) 16);
            ByteVector hi = hiNibble(v).or(high(qh, QH_HI)).sub((byte) 16);
            acc = dot32(lo, act(q, xo), hi, act(q, xo + 16)).fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
        }
        return hsum(acc);
    }

    public static float dotQ5_1(MemorySegment w, long offset, Activations x, int xStart, int n) {
        byte[] q = x.q;
        float[] xd = x.d, xs = x.s;
        FloatVector acc = FloatVector.zero(F256);
        float ms = 0;
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 24L * b;
            int xo = xStart + 32 * b;
            int qh = u32(w, o + 4);
            ByteVector v = load16(w, o + 8);
            ByteVector lo = v.and((byte) 0xf).or(high(qh, QH_LO));
            ByteVector hi = hiNibble(v).or(high(qh, QH_HI));
            acc = dot32(lo, act(q, xo), hi, act(q, xo + 16)).fma(FloatVector.broadcast(F256, f16(w, o) * xd[xo >> 5]), acc);
            ms += f16(w, o + 2) * xs[xo >> 5];
        }
        return hsum(acc) + ms;
    }

    // ---- block dequantization (bit-identical to the references: int → float is exact, then the same mul / add) --

    /** 16 byte lanes → two float vectors of 8, times d (plus m when {@code withMin}), stored at dst[y], dst[y+8]. */
    private static void store16(ByteVector v, float d, float m, boolean withMin, float[] dst, int y) {
        for (int part = 0; part < 2; part++) {
            IntVector i = (IntVector) v.convertShape(VectorOperators.B2I, I256, part);
            FloatVector f = ((FloatVector) i.convertShape(VectorOperators.I2F, F256, 0)).mul(d);
            if (withMin) f = f.add(m);
            f.intoArray(dst, y + 8 * part);
        }
    }

    /** Q4_0 (bias −8) and Q4_1 (withMin; the min fp16 after d): qs at {@code qsAt} within the block. */
    static void dequantQ4(MemorySegment src, long offset, int bytes, int qsAt, int bias, boolean withMin, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = offset + (long) bytes * b;
            float d = f16(src, o), m = withMin ? f16(src, o + 2) : 0;
            ByteVector v = load16(src, o + qsAt);
            int y = dstOff + 32 * b;
            store16(v.and((byte) 0xf).add((byte) bias), d, m, withMin, dst, y);
            store16(hiNibble(v).add((byte) bias), d, m, withMin, dst, y + 16);
        }
    }

    /** Q5_0 (bias −16) and Q5_1 (withMin): qh right after the fp16 fields, qs after qh. */
    static void dequantQ5(MemorySegment src, long offset, int bytes, int qhAt, int bias, boolean withMin, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = offset + (long) bytes * b;
            float d = f16(src, o), m = withMin ? f16(src, o + 2) : 0;
            int qh = u32(src, o + qhAt);
            ByteVector v = load16(src, o + qhAt + 4);
            int y = dstOff + 32 * b;
            store16(v.and((byte) 0xf).or(high(qh, QH_LO)).add((byte) bias), d, m, withMin, dst, y);
            store16(hiNibble(v).or(high(qh, QH_HI)).add((byte) bias), d, m, withMin, dst, y + 16);
        }
    }

    static void dequantIq4Nl(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 18L * b;
            float d = f16(src, o);
            ByteVector v = load16(src, o + 2);
            int y = dstOff + 32 * b;
            store16(v.and((byte) 0xf).selectFrom(KV_IQ4NL), d, 0, false, dst, y);
            store16(hiNibble(v).selectFrom(KV_IQ4NL), d, 0, false, dst, y + 16);
        }
    }

    static void dequantQ8_0(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = offset + 34L * b;
            float d = f16(src, o);
            int y = dstOff + 32 * b;
            store16(load16(src, o + 2), d, 0, false, dst, y);
            store16(load16(src, o + 18), d, 0, false, dst, y + 16);
        }
    }

    // ---- float types on the preferred species: copies of the species-parametric methods below with the species a
    // static final, so the JIT sees a constant in the hot loop (a parameter is only constant when the whole method is
    // inlined into a caller that passes one, which a standalone-compiled loop is not). Tests run both.

    private static final VectorSpecies<Float> FP = dev.jmoe.tensor.Simd.FLOATS;
    /** fp16 / bf16 on the preferred species (a 256-bit variant measured slower still on AVX-512; see the README). */
    private static final VectorSpecies<Float> FH = FP;
    /** Constant int species of FH's shape (withLanes() in the loop is not folded by the JIT). */
    private static final VectorSpecies<Integer> IH = FH.withLanes(int.class);
    private static final VectorSpecies<Short> SP = VectorSpecies.of(short.class, VectorShape.forBitSize(FH.vectorBitSize() / 2));

    /** {@link #dotF32(VectorSpecies, MemorySegment, long, float[], int, int)} on the preferred species (a JIT constant). */
    public static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        VectorSpecies<Float> s = FP; VectorSpecies<Short> ss = SP; int len = s.length(), i = 0;
        FloatVector a0 = FloatVector.zero(s), a1 = FloatVector.zero(s);
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            a0 = FloatVector.fromMemorySegment(s, w, off + 4L * i, LE).fma(FloatVector.fromArray(s, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(s, w, off + 4L * (i + len), LE).fma(FloatVector.fromArray(s, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) a0 = FloatVector.fromMemorySegment(s, w, off + 4L * i, LE).fma(FloatVector.fromArray(s, x, xo + i), a0);
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(w.get(Layouts.LE_FLOAT, off + 4L * i), x[xo + i], sum);
        return sum;
    }

    /**
     * The preferred species' F16 dot, {@link #halfToFloat} written out with constant species: through the helpers, in a
     * JVM whose Q4_0 kernels had run first, C2 compiled {@link #loadF16} on its own (an uncommon trap), its species no
     * longer constant, and F16 matvec fell to 0.8 GB/s.
     */
    public static float dotF16(MemorySegment w, long off, float[] x, int xo, int n) {
        int len = FH.length(), i = 0;
        FloatVector a0 = FloatVector.zero(FH);
        FloatVector a1 = FloatVector.zero(FH); // two chains: one FMA chain's latency bounds the loop
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            IntVector v0 = (IntVector) ShortVector.fromMemorySegment(SP, w, off + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
            IntVector v1 = (IntVector) ShortVector.fromMemorySegment(SP, w, off + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0);
            FloatVector f0 = v0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
            FloatVector f1 = v1.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
            f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
            f1 = f1.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v1.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
            a0 = f0.fma(FloatVector.fromArray(FH, x, xo + i), a0);
            a1 = f1.fma(FloatVector.fromArray(FH, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) {
            IntVector v0 = (IntVector) ShortVector.fromMemorySegment(SP, w, off + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
            FloatVector f0 = v0.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
            f0 = f0.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v0.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
            a0 = f0.fma(FloatVector.fromArray(FH, x, xo + i), a0);
        }
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(Float.float16ToFloat(w.get(Layouts.LE_SHORT, off + 2L * i)), x[xo + i], sum);
        return sum;
    }

    /**
     * Four rows of {@link #dotF32(MemorySegment, long, float[], int, int)} at once, as {@link #dotF16x4} (same reason,
     * same order: each value bit-identical to the one-row dot; {@code dev/kernel-ab.sh}, 256 MB, 1 thread: 4096 columns
     * 14.2 → 16.7 GB/s, 7168 11.1 → 17.0; 2 threads 24.2 → 25.0, 20.3 → 26.5); rows not a multiple of two vectors go
     * through the one-row dot.
     */
    public static void dotF32x4(MemorySegment w, long off, long rowBytes, float[] x, int n, float[] y, int yo) {
        int len = FP.length(), i = 0;
        long o0 = off, o1 = off + rowBytes, o2 = off + 2 * rowBytes, o3 = off + 3 * rowBytes;
        if (n % (2 * len) != 0) { // then dotF32 has a tail
            for (int j = 0; j < 4; j++) y[yo + j] = dotF32(w, off + j * rowBytes, x, 0, n);
            return;
        }
        FloatVector a00 = FloatVector.zero(FP), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int c = 0; c <= n - 2 * len; c += ROWS4_CHUNK) {
            for (int bound = Math.min(n - 2 * len, c + ROWS4_CHUNK - 2 * len); i <= bound; i += 2 * len) {
                FloatVector xa = FloatVector.fromArray(FP, x, i), xb = FloatVector.fromArray(FP, x, i + len);
                a00 = FloatVector.fromMemorySegment(FP, w, o0 + 4L * i, LE).fma(xa, a00);
                a01 = FloatVector.fromMemorySegment(FP, w, o0 + 4L * (i + len), LE).fma(xb, a01);
                a10 = FloatVector.fromMemorySegment(FP, w, o1 + 4L * i, LE).fma(xa, a10);
                a11 = FloatVector.fromMemorySegment(FP, w, o1 + 4L * (i + len), LE).fma(xb, a11);
                a20 = FloatVector.fromMemorySegment(FP, w, o2 + 4L * i, LE).fma(xa, a20);
                a21 = FloatVector.fromMemorySegment(FP, w, o2 + 4L * (i + len), LE).fma(xb, a21);
                a30 = FloatVector.fromMemorySegment(FP, w, o3 + 4L * i, LE).fma(xa, a30);
                a31 = FloatVector.fromMemorySegment(FP, w, o3 + 4L * (i + len), LE).fma(xb, a31);
            }
        }
        y[yo + 0] = hsum(a00.add(a01));
        y[yo + 1] = hsum(a10.add(a11));
        y[yo + 2] = hsum(a20.add(a21));
        y[yo + 3] = hsum(a30.add(a31));
    }

    /**
     * Four rows of {@link #dotBf16(MemorySegment, long, float[], int, int)} at once, as {@link #dotF16x4} (the same
     * reason and order). The three four-row loops are written out per type, as the one-row ones: a helper that takes or
     * returns vectors boxes them wherever C2 does not inline it.
     */
    public static void dotBf16x4(MemorySegment w, long off, long rowBytes, float[] x, int n, float[] y, int yo) {
        int len = FH.length(), i = 0;
        long o0 = off, o1 = off + rowBytes, o2 = off + 2 * rowBytes, o3 = off + 3 * rowBytes;
        if (n % (2 * len) != 0) { // then dotBf16 has a tail
            for (int j = 0; j < 4; j++) y[yo + j] = dotBf16(w, off + j * rowBytes, x, 0, n);
            return;
        }
        FloatVector a00 = FloatVector.zero(FH), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int c = 0; c <= n - 2 * len; c += ROWS4_CHUNK) {
            for (int bound = Math.min(n - 2 * len, c + ROWS4_CHUNK - 2 * len); i <= bound; i += 2 * len) {
                FloatVector xa = FloatVector.fromArray(FH, x, i), xb = FloatVector.fromArray(FH, x, i + len);
                a00 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o0 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xa, a00);
                a01 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o0 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xb, a01);
                a10 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o1 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xa, a10);
                a11 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o1 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xb, a11);
                a20 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o2 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xa, a20);
                a21 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o2 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xb, a21);
                a30 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o3 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xa, a30);
                a31 = ((IntVector) ShortVector.fromMemorySegment(SP, w, o3 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xb, a31);
            }
        }
        y[yo + 0] = hsum(a00.add(a01));
        y[yo + 1] = hsum(a10.add(a11));
        y[yo + 2] = hsum(a20.add(a21));
        y[yo + 3] = hsum(a30.add(a31));
    }

    /**
     * Four rows of {@link #dotF16} at once ({@code rowBytes} apart, from {@code off}): {@code y[yo..yo+4)}, each value
     * bit-identical to dotF16's (each row's two chains take the same FMAs in the same order), {@link #ROWS4_CHUNK} columns
     * at a time, so that the four rows share each chunk of activations. For rows of at least {@link #ROWS4_COLS}
     * columns: one row at a time a thread read F16 from DRAM at 19–20 GB/s with 1536–2048 columns (the activations, 6–8
     * KB, stay in L1 beside the stream) but at 8–11 with 4096–7168 (16–28 KB of activations, pushed out by the weights
     * and read again for each row); four rows side by side read 14 GB/s there, and 8–12 with the short rows
     * ({@code dev/kernel-ab.sh}, 256 MB, 1 thread; 2 threads at 4096 columns 21.5 → 25.3). Rows whose length is not a
     * multiple of two vectors go through dotF16. {@code finite}: the caller knows the rows hold no inf or NaN, so the
     * conversion's fix-up of those (3 of its 7 vector operations; they came out as ±2^16·1.m) is left out, which read
     * 1.07–1.12× faster (kernel-ab, README fourteenth run); for finite values the bits are the same.
     */
    public static void dotF16x4(MemorySegment w, long off, long rowBytes, float[] x, int n, float[] y, int yo, boolean finite) {
        int len = FH.length(), i = 0;
        long o0 = off, o1 = off + rowBytes, o2 = off + 2 * rowBytes, o3 = off + 3 * rowBytes;
        if (n % (2 * len) != 0) { // then dotF16 has a tail
            for (int j = 0; j < 4; j++) y[yo + j] = dotF16(w, off + j * rowBytes, x, 0, n);
            return;
        }
        FloatVector a00 = FloatVector.zero(FH), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int c = 0; c <= n - 2 * len; c += ROWS4_CHUNK) {
            for (int bound = Math.min(n - 2 * len, c + ROWS4_CHUNK - 2 * len); i <= bound; i += 2 * len) {
                FloatVector xa = FloatVector.fromArray(FH, x, i), xb = FloatVector.fromArray(FH, x, i + len);
                IntVector v00 = (IntVector) ShortVector.fromMemorySegment(SP, w, o0 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f00 = v00.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f00 = f00.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v00.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                IntVector v01 = (IntVector) ShortVector.fromMemorySegment(SP, w, o0 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f01 = v01.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f01 = f01.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v01.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a00 = f00.fma(xa, a00);
                a01 = f01.fma(xb, a01);
                IntVector v10 = (IntVector) ShortVector.fromMemorySegment(SP, w, o1 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f10 = v10.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f10 = f10.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v10.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                IntVector v11 = (IntVector) ShortVector.fromMemorySegment(SP, w, o1 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f11 = v11.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f11 = f11.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v11.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a10 = f10.fma(xa, a10);
                a11 = f11.fma(xb, a11);
                IntVector v20 = (IntVector) ShortVector.fromMemorySegment(SP, w, o2 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f20 = v20.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f20 = f20.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v20.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                IntVector v21 = (IntVector) ShortVector.fromMemorySegment(SP, w, o2 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f21 = v21.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f21 = f21.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v21.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a20 = f20.fma(xa, a20);
                a21 = f21.fma(xb, a21);
                IntVector v30 = (IntVector) ShortVector.fromMemorySegment(SP, w, o3 + 2L * i, LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f30 = v30.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f30 = f30.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v30.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                IntVector v31 = (IntVector) ShortVector.fromMemorySegment(SP, w, o3 + 2L * (i + len), LE).convertShape(VectorOperators.S2I, IH, 0);
                FloatVector f31 = v31.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
                if (!finite) f31 = f31.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, v31.and(0x7c00).compare(VectorOperators.EQ, 0x7c00)).reinterpretAsFloats();
                a30 = f30.fma(xa, a30);
                a31 = f31.fma(xb, a31);
            }
        }
        y[yo + 0] = hsum(a00.add(a01));
        y[yo + 1] = hsum(a10.add(a11));
        y[yo + 2] = hsum(a20.add(a21));
        y[yo + 3] = hsum(a30.add(a31));
    }

    /** Whether any of the {@code count} halves from {@code off} is inf or NaN (exponent bits all ones). */
    public static boolean hasInfOrNanF16(MemorySegment w, long off, long count) {
        VectorSpecies<Short> s = ShortVector.SPECIES_PREFERRED;
        int len = s.length();
        long i = 0;
        for (; i <= count - len; i += len) {
            ShortVector h = ShortVector.fromMemorySegment(s, w, off + 2 * i, LE);
            if (h.and((short) 0x7c00).compare(VectorOperators.EQ, (short) 0x7c00).anyTrue()) return true;
        }
        for (; i < count; i++) {
            if ((w.get(Layouts.LE_SHORT, off + 2 * i) & 0x7c00) == 0x7c00) return true;
        }
        return false;
    }

    /** Columns {@link #dotF16x4} and {@link #dotF32x4} take at a time (a multiple of two vectors; for F16 128–4096 measured alike, 256 best). */
    private static final int ROWS4_CHUNK = 256;

    /** Rows at least this long take {@link #dotF16x4} and {@link #dotF32x4} (this CPU's 32 KB L1: see dotF16x4). */
    public static final int ROWS4_COLS = 4096;

    public static float dotBf16(MemorySegment w, long off, float[] x, int xo, int n) {
        VectorSpecies<Float> s = FH; VectorSpecies<Short> ss = SP; VectorSpecies<Integer> is = IH; int len = s.length(), i = 0;
        FloatVector a0 = FloatVector.zero(s);
        FloatVector a1 = FloatVector.zero(s); // two chains: one FMA chain's latency bounds the loop
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            a0 = loadBf16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
            a1 = loadBf16(is, ss, w, off + 2L * (i + len)).fma(FloatVector.fromArray(s, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) a0 = loadBf16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(Float.intBitsToFloat((w.get(Layouts.LE_SHORT, off + 2L * i) & 0xffff) << 16), x[xo + i], sum);
        return sum;
    }

    public static void dequantF16(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        VectorSpecies<Float> s = FH; VectorSpecies<Short> ss = SP; VectorSpecies<Integer> is = IH; int len = s.length(), i = 0;
        for (int bound = n - len; i <= bound; i += len) loadF16(is, ss, src, off + 2L * i).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(Layouts.LE_SHORT, off + 2L * i));
    }

    public static void dequantBf16(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        VectorSpecies<Float> s = FH; VectorSpecies<Short> ss = SP; VectorSpecies<Integer> is = IH; int len = s.length(), i = 0;
        for (int bound = n - len; i <= bound; i += len) loadBf16(is, ss, src, off + 2L * i).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = Float.intBitsToFloat((src.get(Layouts.LE_SHORT, off + 2L * i) & 0xffff) << 16);
    }

    // ---- float types ----------------------------------------------------------------------------------------------

    /** Σ w·x over F32 weights, FMA per lane, two accumulators. */
    public static float dotF32(VectorSpecies<Float> s, MemorySegment w, long off, float[] x, int xo, int n) {
        int len = s.length(), i = 0;
        FloatVector a0 = FloatVector.zero(s), a1 = FloatVector.zero(s);
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            a0 = FloatVector.fromMemorySegment(s, w, off + 4L * i, LE).fma(FloatVector.fromArray(s, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(s, w, off + 4L * (i + len), LE).fma(FloatVector.fromArray(s, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) a0 = FloatVector.fromMemorySegment(s, w, off + 4L * i, LE).fma(FloatVector.fromArray(s, x, xo + i), a0);
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(w.get(Layouts.LE_FLOAT, off + 4L * i), x[xo + i], sum);
        return sum;
    }

    private static VectorSpecies<Short> shortsFor(VectorSpecies<Float> s) {
        return VectorSpecies.of(short.class, VectorShape.forBitSize(s.vectorBitSize() / 2));
    }

    /**
     * fp16 → float, bit-exact with Float.float16ToFloat (NaNs stay NaN; checked on all 65536 values), for the
     * sign-extended 16-bit values in {@code v}. Shifting left by 13 puts the mantissa and exponent at float's places and
     * leaves copies of the sign in bits 28..31; the mask keeps bit 31 only, and the multiply by 2^112 rebiases the
     * exponent (exact for normals and subnormals). Exponent 31 (inf / NaN) would come out as ±65536·1.m, so its
     * lanes get float's all-ones exponent instead. Five operations where the unsigned form took eight: F16 matvec is
     * bound by this arithmetic, not by memory.
     */
    private static FloatVector halfToFloat(IntVector v) {
        FloatVector f = v.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> infNan = v.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        return f.reinterpretAsInts().lanewise(VectorOperators.OR, 0x7f800000, infNan).reinterpretAsFloats();
    }

    private static FloatVector loadF16(VectorSpecies<Integer> is, VectorSpecies<Short> ss, MemorySegment w, long at) {
        ShortVector h = ShortVector.fromMemorySegment(ss, w, at, LE);
        return halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, is, 0));
    }

    private static FloatVector loadBf16(VectorSpecies<Integer> is, VectorSpecies<Short> ss, MemorySegment w, long at) {
        ShortVector h = ShortVector.fromMemorySegment(ss, w, at, LE);
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, is, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    public static float dotF16(VectorSpecies<Float> s, MemorySegment w, long off, float[] x, int xo, int n) {
        VectorSpecies<Short> ss = shortsFor(s);
        VectorSpecies<Integer> is = s.withLanes(int.class);
        int len = s.length(), i = 0;
        FloatVector a0 = FloatVector.zero(s);
        FloatVector a1 = FloatVector.zero(s); // two chains: one FMA chain's latency bounds the loop
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            a0 = loadF16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
            a1 = loadF16(is, ss, w, off + 2L * (i + len)).fma(FloatVector.fromArray(s, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) a0 = loadF16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(Float.float16ToFloat(w.get(Layouts.LE_SHORT, off + 2L * i)), x[xo + i], sum);
        return sum;
    }

    public static float dotBf16(VectorSpecies<Float> s, MemorySegment w, long off, float[] x, int xo, int n) {
        VectorSpecies<Short> ss = shortsFor(s);
        VectorSpecies<Integer> is = s.withLanes(int.class);
        int len = s.length(), i = 0;
        FloatVector a0 = FloatVector.zero(s);
        FloatVector a1 = FloatVector.zero(s); // two chains: one FMA chain's latency bounds the loop
        for (int bound = n - 2 * len; i <= bound; i += 2 * len) {
            a0 = loadBf16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
            a1 = loadBf16(is, ss, w, off + 2L * (i + len)).fma(FloatVector.fromArray(s, x, xo + i + len), a1);
        }
        for (int bound = n - len; i <= bound; i += len) a0 = loadBf16(is, ss, w, off + 2L * i).fma(FloatVector.fromArray(s, x, xo + i), a0);
        float sum = hsum(a0.add(a1));
        for (; i < n; i++) sum = Math.fma(Float.intBitsToFloat((w.get(Layouts.LE_SHORT, off + 2L * i) & 0xffff) << 16), x[xo + i], sum);
        return sum;
    }

    public static void dequantF16(VectorSpecies<Float> s, MemorySegment src, long off, float[] dst, int dstOff, int n) {
        VectorSpecies<Short> ss = shortsFor(s);
        VectorSpecies<Integer> is = s.withLanes(int.class);
        int len = s.length(), i = 0;
        for (int bound = n - len; i <= bound; i += len) loadF16(is, ss, src, off + 2L * i).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(Layouts.LE_SHORT, off + 2L * i));
    }

    public static void dequantBf16(VectorSpecies<Float> s, MemorySegment src, long off, float[] dst, int dstOff, int n) {
        VectorSpecies<Short> ss = shortsFor(s);
        VectorSpecies<Integer> is = s.withLanes(int.class);
        int len = s.length(), i = 0;
        for (int bound = n - len; i <= bound; i += len) loadBf16(is, ss, src, off + 2L * i).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = Float.intBitsToFloat((src.get(Layouts.LE_SHORT, off + 2L * i) & 0xffff) << 16);
    }

    public static void dequantF32(VectorSpecies<Float> s, MemorySegment src, long off, float[] dst, int dstOff, int n) {
        MemorySegment.copy(src, Layouts.LE_FLOAT, off, dst, dstOff, n);
    }

    /**
     * Sum of the lanes in lane order. {@code reduceLanes(ADD)} may add float lanes in a different order in interpreted
     * and compiled code, which made results depend on JIT timing (and so on the thread count); this order is fixed.
     */
    private static float hsum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }
}
