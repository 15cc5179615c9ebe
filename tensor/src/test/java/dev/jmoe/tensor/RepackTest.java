package dev.jmoe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Packed;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Packed Q4_0 ({@link dev.jmoe.tensor.codec.PackedQ40} through {@link MatVec} and {@link ProductBatch}; Q4_K, Q5_0, Q6_K likewise) against a scalar reference in double:
 * {@code Σ_b d_w·d_x·Σ (q−8)·x_q} over the same Q8_0 activation quants; the 16-bit sums at their limits; batches equal
 * to single tokens bit for bit; slices of whole groups; the released mapping still reads the same bytes.
 */
class RepackTest {
    static final int ROWS = 128;

    static Matrix q40(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q4_0, seed, rows, cols, 0.01f, false, 0);
    }

    /**
     * A {@code rows × cols} weight of {@code type} with random bytes, whose f16 scales at {@code scaleAt} (bytes into
     * each block) are drawn from N(0, sd), or |N(0, sd)| when {@code positive} (Q4_K's d and dmin).
     */
    static Matrix randomBlocks(GgmlType type, long seed, int rows, int cols, float sd, boolean positive, int... scaleAt) {
        Random rnd = new Random(seed);
        byte[] b = new byte[(int) type.bytesFor((long) rows * cols)];
        rnd.nextBytes(b);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int block = (int) type.bytesFor(type.blockSize);
        for (int blk = 0; blk < b.length / block; blk++) {
            for (int at : scaleAt) {
                double g = rnd.nextGaussian();
                bb.putShort(blk * block + at, Half.fromFloat((float) (positive ? Math.abs(g) : g) * sd));
            }
        }
        return new Matrix("w", type, Codecs.of(type), MemorySegment.ofArray(b), cols, rows);
    }

    /** Row {@code r} · token {@code t} from the weight bytes and the activation quants, in double. */
    static double reference(Matrix m, int r, Activations act, int t) {
        int n = m.cols();
        double sum = 0;
        for (int b = 0; b < n / 32; b++) {
            long o = m.rowOffset(r) + 18L * b;
            double dw = Half.toFloat(m.data().get(Layouts.LE_SHORT, o));
            long dot = 0;
            for (int i = 0; i < 16; i++) {
                int v = m.data().get(ValueLayout.JAVA_BYTE, o + 2 + i) & 0xFF;
                dot += (long) ((v & 15) - 8) * act.q[t * n + 32 * b + i] + (long) ((v >> 4) - 8) * act.q[t * n + 32 * b + i + 16];
            }
            sum += dw * act.d[t * (n / 32) + b] * dot;
        }
        return sum;
    }

    static float[] gaussian(long seed, int len) {
        Random rnd = new Random(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @CsvSource({"32,1,1", "96,1,2", "2048,1,3", "96,3,2", "2048,5,2", "4096,4,1"})
    void matchesTheScalarReferenceForAnyThreadsAndTokens(int cols, int nTok, int threads) {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        assertPackedProducts(q40(cols, ROWS, cols), nTok, threads, cols + 7, (m, r, act, t) -> {
            double ref = reference(m, r, act, t);
            return new double[] {ref, 1e-5 * (1 + Math.abs(ref))};
        });
    }

    /** Row {@code r} · token {@code t} of the reference and the tolerance of the packed product: {@code {value, ±}}. */
    interface Reference {
        double[] of(Matrix m, int r, Activations act, int t);
    }

    /**
     * Products of {@code m}'s packed copy with {@code nTok} Gaussian tokens on {@code threads} threads: every row within
     * the reference's tolerance; every token of the batch equal to its single-token product bit for bit; rows 64..127
     * as a slice of whole groups equal to the whole product's.
     */
    static void assertPackedProducts(Matrix m, int nTok, int threads, long seed, Reference reference) {
        int cols = m.cols();
        float[] x = gaussian(seed, nTok * cols);
        float[] y = new float[nTok * ROWS];
        try (Parallel pool = new Parallel(threads); Arena arena = Arena.ofShared()) {
            Matrix p = Repack.pack(m, arena, pool);
            MatVec mv = new MatVec(pool);
            if (nTok == 1) mv.matvec(p, x, y);
            else mv.matmul(p, x, nTok, y);
            Activations act = mv.activations();
            for (int t = 0; t < nTok; t++) {
                for (int r = 0; r < ROWS; r++) {
                    double[] ref = reference.of(m, r, act, t);
                    assertThat((double) y[t * ROWS + r]).as("row %d token %d", r, t).isCloseTo(ref[0], org.assertj.core.data.Offset.offset(ref[1]));
                }
            }
            float[] one = new float[ROWS];
            for (int t = 0; t < nTok; t++) {
                mv.matvec(p, x, t * cols, one, 0);
                for (int r = 0; r < ROWS; r++) assertThat(y[t * ROWS + r]).isEqualTo(one[r]);
            }
            float[] part = new float[64];
            mv.matvec(p.rows(64, 64), x, part);
            mv.matvec(p, x, one);
            assertThat(part).containsExactly(java.util.Arrays.copyOfRange(one, 64, 128));
        }
    }

    static Matrix q4k(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q4_K, seed, rows, cols, 0.01f, true, 0, 2);
    }

    static Matrix q2k(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q2_K, seed, rows, cols, 0.01f, true, 80, 82);
    }

    static Matrix q3k(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q3_K, seed, rows, cols, 0.001f, false, 108);
    }

    static Matrix q5k(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q5_K, seed, rows, cols, 0.01f, true, 0, 2);
    }

    static Matrix q50(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q5_0, seed, rows, cols, 0.01f, false, 0);
    }

    static Matrix q6k(long seed, int rows, int cols) {
        return randomBlocks(GgmlType.Q6_K, seed, rows, cols, 0.001f, false, 208);
    }

    static Matrix q80(long seed, int rows, int cols) {
        Random rnd = new Random(seed);
        byte[] b = new byte[(int) GgmlType.Q8_0.bytesFor((long) rows * cols)];
        rnd.nextBytes(b); // quants over all of [−128, 127]: ggml writes [−127, 127], −128 still fits the 16-bit pairs
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < b.length / 34; blk++) bb.putShort(blk * 34, Half.fromFloat((float) rnd.nextGaussian() * 0.001f));
        return new Matrix("w", GgmlType.Q8_0, Codecs.of(GgmlType.Q8_0), MemorySegment.ofArray(b), cols, rows);
    }

    /** A random {@code rows × cols} weight of a type with a packed layout, its scales finite ({@link #randomBlocks}). */
    static Matrix randomPackable(GgmlType type, long seed, int rows, int cols) {
        return switch (type) {
            case Q2_K -> q2k(seed, rows, cols);
            case Q3_K -> q3k(seed, rows, cols);
            case Q4_0 -> q40(seed, rows, cols);
            case Q4_K -> q4k(seed, rows, cols);
            case Q5_K -> q5k(seed, rows, cols);
            case Q5_0 -> q50(seed, rows, cols);
            case Q6_K -> q6k(seed, rows, cols);
            case Q8_0 -> q80(seed, rows, cols);
            default -> throw new IllegalArgumentException(type + " has no packed layout");
        };
    }

    /**
     * Q2_K, Q3_K, Q4_K, Q5_K, Q5_0, Q6_K and Q8_0: the packed products against the codec's scalar dequantization times the activation quants (in
     * double), within float rounding of the sum of the terms' magnitudes; batches equal single tokens bit for bit; a
     * slice of whole groups (Q4_K's packed copy is larger than its rows: the scales are unpacked) equals the whole
     * product's rows.
     */
    @ParameterizedTest
    @CsvSource({"Q2_K,256,1,1", "Q2_K,2048,1,2", "Q2_K,512,3,2", "Q2_K,7168,2,1", "Q3_K,256,1,1", "Q3_K,2048,1,2", "Q3_K,512,3,2", "Q3_K,7168,2,1", "Q4_K,256,1,1", "Q4_K,2048,1,2", "Q4_K,512,3,2", "Q4_K,2048,4,1", "Q5_K,256,1,1", "Q5_K,2048,1,2", "Q5_K,512,3,2", "Q5_K,7168,2,1", "Q5_0,32,1,1", "Q5_0,1408,1,2", "Q5_0,96,3,2", "Q5_0,2048,4,1",
            "Q6_K,256,1,1", "Q6_K,2048,1,2", "Q6_K,512,3,2", "Q6_K,2816,4,1",
            "Q8_0,32,1,1", "Q8_0,1408,1,2", "Q8_0,96,3,2", "Q8_0,7168,5,2"})
    void packedTypesMatchTheScalarReference(GgmlType type, int cols, int nTok, int threads) {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        Matrix m = randomPackable(type, cols, ROWS, cols);
        float[] w = new float[cols];
        assertPackedProducts(m, nTok, threads, cols + 9, (mm, r, act, t) -> {
            mm.codec().dequantizeReference(mm.data(), mm.rowOffset(r), w, 0, cols);
            double ref = 0, mag = 0;
            for (int i = 0; i < cols; i++) {
                double v = (double) w[i] * act.q[t * cols + i] * act.d[(t * cols + i) / type.blockSize];
                ref += v;
                mag += Math.abs(v);
            }
            return new double[] {ref, 1e-5 * mag + 1e-6};
        });
    }

    /**
     * A 64 × 64 weight of {@code type} (a legacy type: f16 scale, then quant bytes) with every scale 1 and every quant
     * byte {@code even} on even rows, {@code odd} on odd rows.
     */
    static Matrix alternatingRows(GgmlType type, byte even, byte odd) {
        int cols = 64, block = (int) type.bytesFor(32);
        byte[] b = new byte[(int) type.bytesFor((long) ROWS * cols)];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < b.length / block; blk++) {
            bb.putShort(blk * block, Half.fromFloat(1f));
            int row = blk / (cols / 32);
            java.util.Arrays.fill(b, blk * block + 2, (blk + 1) * block, row % 2 == 0 ? even : odd);
        }
        return new Matrix("w", type, Codecs.of(type), MemorySegment.ofArray(b), cols, ROWS);
    }

    /**
     * The packed matvec of {@code m} (64 columns) against activations quantized to +127 in the first block and −127
     * in the second ({@code sign} = 1) or the reverse ({@code sign} = −1), each row checked against the codec's scalar
     * dequantization times the same activation quants.
     */
    static float[] packedAtLimits(Matrix m, float sign) {
        int cols = m.cols();
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 0, 32, sign);
        java.util.Arrays.fill(x, 32, 64, -sign);
        float[] y = new float[ROWS], w = new float[cols];
        try (Parallel pool = new Parallel(1); Arena arena = Arena.ofShared()) {
            MatVec mv = new MatVec(pool);
            mv.matvec(Repack.pack(m, arena, pool), x, y);
            Activations act = mv.activations();
            for (int r = 0; r < ROWS; r++) {
                m.codec().dequantizeReference(m.data(), m.rowOffset(r), w, 0, cols);
                double ref = 0;
                for (int i = 0; i < cols; i++) ref += (double) w[i] * act.q[i] * act.d[i / 32];
                assertThat((double) y[r]).as("row %d", r).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
        return y;
    }

    @Test
    void blockSumsAtTheirSixteenBitLimitsAreExact() {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        // even rows: every nibble 0 (−8), against quants +127: Σ = −8·127·32 = −32512; odd rows: every nibble 15 (+7)
        float[] y = packedAtLimits(alternatingRows(GgmlType.Q4_0, (byte) 0x00, (byte) 0xFF), 1f);
        assertThat(y[0]).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-3f)); // −32512/127 + 32512/127
    }

    @Test
    void q8_0PairSumsAtTheirSixteenBitLimitsAreExact() {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        // even rows: every quant −128, against quants −127: each pair of products −128·−127·2 = 32512; odd rows +127
        float[] y = packedAtLimits(alternatingRows(GgmlType.Q8_0, (byte) -128, (byte) 127), -1f);
        assertThat(y[0]).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-3f)); // 32·128 − 32·128
        assertThat(y[1]).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-3f)); // −32·127 + 32·127
    }

    /**
     * Every byte 0xFF but the f16 scales, against quants ±127. Q2_K: every q 3, every scale and min 15, d = 1, dmin = ½:
     * the odd shifts' sums (kept 4×) reach 4·3·127·16 = 24384, each row is Σ (15·3 − ½·15)·x. Q3_K: every value 7 − 4 = 3
     * and every scale 63 − 32 = 31, d = 1: the sums of u reach 7·127·16 = 14224, each row is Σ 31·3·x. Q5_K: every q 31,
     * every scale and min 63, d = 1, dmin = ½: the half sums Σ (q − 16)·x reach 15·127·16 = 30480, each row is
     * Σ (63·31 − ½·63)·x.
     */
    @ParameterizedTest
    @CsvSource({"Q2_K,80,82,9600", "Q3_K,108,-1,23808", "Q5_K,0,2,491904"})
    void kQuantSumsAtTheirSixteenBitLimitsAreExact(GgmlType type, int dAt, int dminAt, float row) {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        int cols = 256, block = (int) type.bytesFor(cols);
        byte[] b = new byte[block * ROWS];
        java.util.Arrays.fill(b, (byte) 0xFF);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < ROWS; blk++) {
            bb.putShort(block * blk + dAt, Half.fromFloat(1f));
            if (dminAt >= 0) bb.putShort(block * blk + dminAt, Half.fromFloat(0.5f));
        }
        Matrix m = new Matrix("w", type, Codecs.of(type), MemorySegment.ofArray(b), cols, ROWS);
        for (float sign : new float[] {1f, -1f}) {
            float[] x = new float[cols], y = new float[ROWS];
            java.util.Arrays.fill(x, sign);
            try (Parallel pool = new Parallel(1); Arena arena = Arena.ofShared()) {
                new MatVec(pool).matvec(Repack.pack(m, arena, pool), x, y);
            }
            for (int r = 0; r < ROWS; r++) assertThat(y[r]).as("row %d", r).isCloseTo(sign * row, org.assertj.core.data.Offset.offset(1e-2f + 1e-6f * row));
        }
    }

    @Test
    void productBatchAndSlicesOfWholeGroupsUseTheCopy() {
        assumeTrue(Packed.ENABLED, "no 512-bit integer kernels here");
        int cols = 256;
        Matrix m = q40(5, 4 * 64, cols); // 4 "experts" of 64 rows
        float[] x = gaussian(6, cols);
        try (Parallel pool = new Parallel(2); Arena arena = Arena.ofShared()) {
            Matrix p = Repack.pack(m, arena, pool);
            MatVec mv = new MatVec(pool);
            float[] all = new float[m.rows()];
            mv.matvec(p, x, all);
            float[] ys = new float[m.rows()];
            ProductBatch batch = mv.batch();
            for (int e = 3; e >= 0; e--) {
                Matrix ex = p.expert(e, 64);
                assertThat(ex.packed()).isNotNull();
                batch.add(ex, x, 0, 1, ys, e * 64);
            }
            batch.run();
            assertThat(ys).containsExactly(all);
            assertThat(p.rows(32, 64).packed()).as("not whole groups").isNull();
        }
    }

    @Test
    void onlyWholeGroupsOfQ4_0RowsArePackable() {
        assertThat(Repack.packable(q40(1, 100, 64))).isFalse();
        assertThat(Repack.packable(MatVecTest.quantizedMatrix(GgmlType.Q8_0, 1, 64))).isFalse();
        assertThat(Repack.packable(q4k(1, 128, 256))).isEqualTo(Packed.ENABLED);
        assertThat(Repack.packable(q4k(1, 100, 256))).isFalse();
        assertThat(Repack.packable(q50(1, 128, 96))).isEqualTo(Packed.ENABLED);
        assertThat(Repack.packable(q6k(1, 128, 256))).isEqualTo(Packed.ENABLED);
        assertThat(Repack.packable(q40(1, 128, 64))).isEqualTo(Packed.ENABLED);
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> Repack.pack(q40(1, 100, 64), arena, Parallel.common())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100");
        }
    }

    @Test
    void releasedMappingReadsTheSameBytes(@TempDir Path dir) throws IOException {
        byte[] bytes = new byte[5 * 4096 + 100];
        new Random(3).nextBytes(bytes);
        Path f = dir.resolve("w.bin");
        Files.write(f, bytes);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            Pages.touch(map, Parallel.common());
            Pages.release(map.asSlice(1000, 3 * 4096));
            assertThat(map.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
        }
    }
}
