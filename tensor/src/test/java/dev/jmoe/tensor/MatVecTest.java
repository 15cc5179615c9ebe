package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GGML order: matvec == the codec's dot per row, and matmul == nTok matvecs exactly, for every registered type and 1–3
 * threads. FAST order (Q4_0 / Q8_0): matvec and matmul within float rounding of the scalar reference dots, independent
 * of the thread count.
 */
class MatVecTest {
    static final int COLS = 512, ROWS = 37; // a row count that is not a multiple of the tile or of the thread count

    static GgmlType[] registered() {
        return java.util.Arrays.stream(GgmlType.values()).filter(t -> Codecs.find(t).isPresent()).toArray(GgmlType[]::new);
    }

    /** Gaussian weights quantized by our quantizer (for types whose random bytes would hold non-finite scales). */
    static Matrix quantizedMatrix(GgmlType t, long seed, int cols) {
        Random rnd = new Random(seed);
        float[] f = new float[cols * ROWS];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) t.bytesFor((long) cols * ROWS)]);
        Codec c = Codecs.of(t);
        for (int r = 0; r < ROWS; r++) c.quantize(f, r * cols, seg, t.bytesFor((long) r * cols), cols);
        return new Matrix("w", t, c, seg, cols, ROWS);
    }

    /** Random bytes with the fp16 fields of the legacy types kept finite (other types: raw random bytes). */
    static Matrix randomMatrix(GgmlType t, long seed) {
        return randomMatrix(t, seed, COLS);
    }

    static Matrix randomMatrix(GgmlType t, long seed, int cols) {
        Random rnd = new Random(seed);
        byte[] b = new byte[(int) t.bytesFor((long) cols * ROWS)];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (t == GgmlType.F32) for (int i = 0; i < b.length / 4; i++) bb.putFloat(4 * i, (float) rnd.nextGaussian());
        else if (t == GgmlType.F16) for (int i = 0; i < b.length / 2; i++) bb.putShort(2 * i, Half.fromFloat((float) rnd.nextGaussian()));
        else if (t == GgmlType.BF16) for (int i = 0; i < b.length / 2; i++) bb.putShort(2 * i, Half.floatToBf16((float) rnd.nextGaussian()));
        else {
            rnd.nextBytes(b);
            if (t.blockSize == 32) for (int blk = 0; blk < b.length / t.typeSize; blk++) {
                bb.putShort(blk * t.typeSize, Half.fromFloat((float) rnd.nextGaussian() * 0.01f));
                if (t == GgmlType.Q4_1 || t == GgmlType.Q5_1 || t == GgmlType.Q8_1) bb.putShort(blk * t.typeSize + 2, Half.fromFloat((float) rnd.nextGaussian() * 0.01f));
            }
        }
        return new Matrix("w", t, Codecs.of(t), MemorySegment.ofArray(b), cols, ROWS);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return java.util.Arrays.stream(registered()).flatMap(t -> java.util.stream.IntStream.rangeClosed(1, 3).mapToObj(n -> org.junit.jupiter.params.provider.Arguments.of(t, n)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matvecIsTheRowDotAndMatmulIsTokenByTokenMatvec(GgmlType t, int threads) {
        Matrix w = randomMatrix(t, t.id * 31L + threads);
        int nTok = 5;
        float[] x = new float[nTok * COLS];
        Random rnd = new Random(threads);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (Parallel pool = new Parallel(threads)) {
            MatVec mv = new MatVec(pool, DotOrder.GGML);
            float[] y = new float[ROWS + 2];
            mv.matvec(w, x, 0, y, 2);
            Activations a = new Activations().prepare(w.codec().activationType(), x, 0, COLS, 1);
            // compared as bits: raw random blocks of the IQ/TQ/MXFP4 types may decode to NaN, which must match too
            for (int r = 0; r < ROWS; r++) {
                assertThat(Float.floatToIntBits(y[2 + r])).as("row %d", r)
                        .isEqualTo(Float.floatToIntBits(w.codec().dot(w.data(), w.rowOffset(r), a, 0, COLS)));
            }

            float[] batch = new float[nTok * ROWS];
            mv.matmul(w, x, nTok, batch);
            for (int tok = 0; tok < nTok; tok++) {
                float[] one = new float[ROWS];
                mv.matvec(w, x, tok * COLS, one, 0);
                for (int r = 0; r < ROWS; r++) {
                    assertThat(Float.floatToIntBits(batch[tok * ROWS + r])).as("token %d row %d", tok, r).isEqualTo(Float.floatToIntBits(one[r]));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matvecOfTheLegacyTypesMatchesTheScalarReferenceDot(GgmlType t, int threads) {
        if (!java.util.List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
                GgmlType.Q5_1, GgmlType.IQ4_NL).contains(t)) return;
        Matrix w = randomMatrix(t, 99 + threads);
        float[] x = new float[COLS];
        Random rnd = new Random(5);
        for (int i = 0; i < COLS; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[ROWS];
        try (Parallel pool = new Parallel(threads)) {
            new MatVec(pool, DotOrder.GGML).matvec(w, x, y);
        }
        Activations a = new Activations().prepare(w.codec().activationType(), x, 0, COLS, 1);
        for (int r = 0; r < ROWS; r++) {
            float ref = scalarDot(w.codec(), w.data(), w.rowOffset(r), a);
            assertThat(y[r]).as("row %d", r).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(ref))));
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> fastCases() {
        // 512 columns: the narrow-row kernels; 4608 (> Q8FloatKernels.FLOAT_ROW_COLS): the wide-row ones
        return java.util.stream.Stream.of(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K).flatMap(t -> java.util.stream.IntStream.of(512, 4608)
                .boxed().flatMap(cols -> java.util.stream.IntStream.of(1, 4, 9).mapToObj(n -> org.junit.jupiter.params.provider.Arguments.of(t, n, cols))));
    }

    /**
     * FAST order against the scalar reference (ggml's generic dot on the same Q8_0 activations): the block sums are
     * exact in both, only the float accumulation differs, so the gap is a few float roundings of Σ|w·x|. Batches of
     * 4 and 9 tokens cover the 4 × 4 tiles, leftover tokens and (37 rows) leftover rows; 1 and 3 threads must give the
     * same bits.
     */
    @ParameterizedTest
    @MethodSource("fastCases")
    void fastOrderMatchesTheScalarReferenceAndIgnoresTheThreadCount(GgmlType t, int nTok, int cols) {
        Matrix w = t == GgmlType.Q4_K ? quantizedMatrix(t, 7L * t.id + nTok, cols) : randomMatrix(t, 7L * t.id + nTok, cols);
        float[] x = new float[nTok * cols];
        Random rnd = new Random(nTok);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] one = new float[nTok * ROWS], three = new float[nTok * ROWS];
        try (Parallel p1 = new Parallel(1); Parallel p3 = new Parallel(3)) {
            new MatVec(p1, DotOrder.FAST).matmul(w, x, nTok, one);
            new MatVec(p3, DotOrder.FAST).matmul(w, x, nTok, three);
        }
        float[] wf = w.toFloats();
        for (int tok = 0; tok < nTok; tok++) {
            Activations a = new Activations().prepare(w.codec().activationType(), x, tok * cols, cols, 1);
            for (int r = 0; r < ROWS; r++) {
                float ref = scalarDot(w.codec(), w.data(), w.rowOffset(r), a, cols);
                int block = t == GgmlType.Q4_K ? 256 : 32;
                double mag = 0;
                for (int c = 0; c < cols; c++) mag += Math.abs((double) wf[r * cols + c] * a.q[c] * a.d[c / block]);
                int i = tok * ROWS + r;
                assertThat(one[i]).as("token %d row %d", tok, r).isCloseTo(ref, org.assertj.core.data.Offset.offset((float) (1e-6 * mag) + 1e-30f));
                assertThat(Float.floatToIntBits(three[i])).as("3 threads, token %d row %d", tok, r).isEqualTo(Float.floatToIntBits(one[i]));
            }
        }
    }

    static float scalarDot(Codec c, MemorySegment w, long off, Activations a) {
        return scalarDot(c, w, off, a, COLS);
    }

    static float scalarDot(Codec c, MemorySegment w, long off, Activations a, int cols) {
        return switch (c) {
            case dev.jmoe.tensor.codec.F32Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.F16Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.BF16Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q8_0Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q4_0Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q4_1Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q5_0Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q5_1Codec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.IQ4_NLCodec k -> k.dotReference(w, off, a, 0, cols);
            case dev.jmoe.tensor.codec.Q4_KCodec k -> dev.jmoe.tensor.codec.Q4_KCodec.dotScalar(w, off, a, 0, cols);
            default -> throw new IllegalArgumentException(c.type().toString());
        };
    }
}
