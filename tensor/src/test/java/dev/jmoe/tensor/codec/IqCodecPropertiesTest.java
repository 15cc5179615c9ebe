package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import dev.jmoe.tensor.Codec;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.DotOrder;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random-block properties of every IQ / MXFP4 / TQ codec: the integer dot equals Σ dequant(w)·dequant(activation)
 * (this holds dot to the reference dequantization), at any weight offset and any activation vector; the Vector API
 * dots equal their scalar references exactly.
 */
class IqCodecPropertiesTest {
    static final GgmlType[] TYPES = {GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S,
            GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ4_XS, GgmlType.MXFP4, GgmlType.TQ1_0, GgmlType.TQ2_0};

    @Property(tries = 60)
    void dotEqualsSumOfDequantizedProducts(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 10) int t,
                                          @ForAll @IntRange(min = 1, max = 3) int superBlocks) {
        GgmlType type = TYPES[t];
        Codec c = Codecs.of(type);
        Random rnd = new Random(seed);
        int n = 256 * superBlocks, nb = n / type.blockSize;
        int lead = 1 + rnd.nextInt(3); // blocks before the row: exercises the byte offset
        byte[] bytes = RandomBlocks.of(type, lead + nb, rnd);
        MemorySegment w = MemorySegment.ofArray(bytes);
        long off = (long) lead * type.typeSize;

        float[] x = new float[2 * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 41 == 0 ? 5 : 1);
        Activations a = new Activations().prepare(c.activationType(), x, 0, n, 2);
        int xStart = a.base(1); // the second vector: exercises the activation offset

        float[] wf = new float[n];
        c.dequantizeReference(w, off, wf, 0, n);
        int qk = c.activationType() == GgmlType.Q8_K ? 256 : 32;
        double exact = 0, mag = 0;
        for (int i = 0; i < n; i++) {
            double xi = (double) a.d[(xStart + i) / qk] * a.q[xStart + i];
            exact += wf[i] * xi;
            mag += Math.abs(wf[i] * xi);
        }
        float got = c.dot(w, off, a, xStart, n);
        assertThat((double) got).as("%s dot, seed %d", type, seed).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
    }

    interface Dot {
        float dot(MemorySegment w, long offset, Activations x, int xStart, int n);
    }

    record FastPath(GgmlType type, Dot vector, Dot scalar) {}

    static final FastPath[] FAST = {
            new FastPath(GgmlType.IQ2_XXS, IqGridDots.Kind.IQ2_XXS::dot, new IQ2_XXSCodec()::dotReference),
            new FastPath(GgmlType.IQ2_XS, IqGridDots.Kind.IQ2_XS::dot, new IQ2_XSCodec()::dotReference),
            new FastPath(GgmlType.IQ2_S, IqGridDots.Kind.IQ2_S::dot, new IQ2_SCodec()::dotReference),
            new FastPath(GgmlType.IQ3_XXS, IqGridDots.Kind.IQ3_XXS::dot, new IQ3_XXSCodec()::dotReference),
            new FastPath(GgmlType.IQ3_S, IqGridDots.Kind.IQ3_S::dot, new IQ3_SCodec()::dotReference),
            new FastPath(GgmlType.IQ1_S, IqGridDots.Kind.IQ1_S::dot, new IQ1_SCodec()::dotReference),
            new FastPath(GgmlType.IQ1_M, IqGridDots.Kind.IQ1_M::dot, new IQ1_MCodec()::dotReference),
            // the 256-bit kernels of CPUs without 512-bit vectors
            new FastPath(GgmlType.IQ2_XXS, IqVector::dotIq2Xxs, new IQ2_XXSCodec()::dotReference),
            new FastPath(GgmlType.IQ2_S, IqVector::dotIq2S, new IQ2_SCodec()::dotReference),
            new FastPath(GgmlType.IQ3_XXS, IqVector::dotIq3Xxs, new IQ3_XXSCodec()::dotReference),
            new FastPath(GgmlType.IQ3_S, IqVector::dotIq3S, new IQ3_SCodec()::dotReference),
            new FastPath(GgmlType.IQ1_S, IqVector::dotIq1S, new IQ1_SCodec()::dotReference),
            new FastPath(GgmlType.IQ4_XS, IqVector::dotIq4Xs, new IQ4_XSCodec()::dotReference),
            new FastPath(GgmlType.MXFP4, IqVector::dotMxfp4, new MXFP4Codec()::dotReference)};

    @Property(tries = 40)
    void vectorDotsEqualScalarReferencesBitForBit(@ForAll("seeds") long seed, @ForAll @IntRange(min = 1, max = 3) int superBlocks) {
        Random rnd = new Random(seed);
        int n = 256 * superBlocks;
        float[] x = new float[2 * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (FastPath f : FAST) {
            Activations a = new Activations().prepare(Codecs.of(f.type()).activationType(), x, 0, n, 2);
            for (int i = 0; i < 2 * n; i++) if (rnd.nextInt(50) == 0) a.q[i] = (byte) (rnd.nextBoolean() ? 127 : -128); // extremes
            for (int h = 0; h < 2 * n / 16; h++) { // Q8_K's 16-value sums of the quants as they now are (IQ1_S reads them)
                int sum = 0;
                for (int i = 16 * h; i < 16 * h + 16; i++) sum += a.q[i];
                if (a.bsums.length > h) a.bsums[h] = (short) sum;
            }
            int lead = rnd.nextInt(3);
            MemorySegment w = MemorySegment.ofArray(RandomBlocks.of(f.type(), lead + n / f.type().blockSize, rnd));
            long off = (long) lead * f.type().typeSize;
            int xStart = a.base(rnd.nextInt(2));
            assertThat(f.vector().dot(w, off, a, xStart, n)).as("%s, seed %d", f.type(), seed).isEqualTo(f.scalar().dot(w, off, a, xStart, n));
        }
    }

    /** A batch's rows are decoded once and dotted with the tokens as floats, 4 × 4 at a time: the same values as one token's dot. */
    @Property(tries = 30)
    void batchedRowsEqualOneTokenDotsBitForBit(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 7) int t,
                                               @ForAll @IntRange(min = 2, max = 9) int tokens) {
        GgmlType type = TYPES[t]; // the seven grid types and IQ4_XS (in the FAST order, the one it batches in)
        Codec c = Codecs.of(type);
        Random rnd = new Random(seed);
        int n = 256 * (1 + rnd.nextInt(3)), rows = 7, r0 = 1; // a block of 4 rows (4×4 tiles where 4 tokens remain), then 2
        long rowBytes = type.bytesFor(n);
        MemorySegment w = MemorySegment.ofArray(RandomBlocks.of(type, rows * n / type.blockSize, rnd));
        float[] x = new float[tokens * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 37 == 0 ? 9 : 1);
        Activations a = new Activations().prepare(c.activationType(), DotOrder.FAST, x, 0, n, tokens);
        float[] y = new float[tokens * rows];
        c.dotRows(w, rowBytes, r0, rows, a, tokens, y, 0, rows);
        for (int k = 0; k < tokens; k++) {
            for (int r = r0; r < rows; r++) {
                assertThat(y[k * rows + r]).as("%s row %d token %d, seed %d", type, r, k, seed).isEqualTo(c.dot(w, r * rowBytes, a, a.base(k), n));
            }
        }
    }

    /** IQ4_XS in the FAST order: one float multiply per super-block instead of one per 32 values, so within rounding. */
    @Property(tries = 40)
    void fastOrderIq4XsIsWithinFloatRoundingOfTheReference(@ForAll("seeds") long seed, @ForAll @IntRange(min = 1, max = 4) int superBlocks) {
        Random rnd = new Random(seed);
        int n = 256 * superBlocks;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        Activations fast = new Activations().prepare(GgmlType.Q8_K, DotOrder.FAST, x, 0, n, 1);
        MemorySegment w = MemorySegment.ofArray(RandomBlocks.of(GgmlType.IQ4_XS, superBlocks, rnd));
        IQ4_XSCodec c = new IQ4_XSCodec();
        float ref = c.dotReference(w, 0, fast, 0, n);
        float[] wf = new float[n];
        c.dequantizeReference(w, 0, wf, 0, n);
        double mag = 0;
        for (int i = 0; i < n; i++) mag += Math.abs(wf[i] * fast.d[i / 256] * fast.q[i]);
        assertThat((double) c.dot(w, 0, fast, 0, n)).as("seed %d", seed).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6 * mag + 1e-30));
    }

    /** IQ4_NL's batches in the FAST order (float tiles): within float rounding of its reference, token by token. */
    @Property(tries = 30)
    void fastOrderIq4NlBatchesAreWithinFloatRoundingOfTheReference(@ForAll("seeds") long seed, @ForAll @IntRange(min = 2, max = 9) int tokens) {
        Random rnd = new Random(seed);
        int n = 32 * (1 + rnd.nextInt(44)), rows = 7, r0 = 1; // 1408, Moonlight's expert rows, among them
        IQ4_NLCodec c = new IQ4_NLCodec();
        long rowBytes = GgmlType.IQ4_NL.bytesFor(n);
        MemorySegment w = MemorySegment.ofArray(RandomBlocks.of(GgmlType.IQ4_NL, rows * n / 32, rnd));
        float[] x = new float[tokens * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        Activations a = new Activations().prepare(GgmlType.Q8_0, DotOrder.FAST, x, 0, n, tokens);
        float[] y = new float[tokens * rows], wf = new float[n];
        c.dotRows(w, rowBytes, r0, rows, a, tokens, y, 0, rows);
        for (int r = r0; r < rows; r++) {
            c.dequantizeReference(w, r * rowBytes, wf, 0, n);
            for (int k = 0; k < tokens; k++) {
                double mag = 0;
                for (int i = 0; i < n; i++) mag += Math.abs(wf[i] * a.q[k * n + i] * a.d[(k * n + i) / 32]);
                assertThat((double) y[k * rows + r]).as("row %d token %d, seed %d", r, k, seed)
                        .isCloseTo(c.dotReference(w, r * rowBytes, a, a.base(k), n), org.assertj.core.data.Offset.offset(1e-6 * mag + 1e-30));
            }
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> seeds() {
        return net.jqwik.api.Arbitraries.longs();
    }
}
