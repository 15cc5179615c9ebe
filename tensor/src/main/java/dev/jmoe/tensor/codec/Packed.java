package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed layouts by weight type — {@link PackedQ2K} (Q2_K), {@link PackedQ3K} (Q3_K), {@link PackedQ40} (Q4_0),
 * {@link PackedQ4K} (Q4_K), {@link PackedQ5K} (Q5_K), {@link PackedQ50} (Q5_0), {@link PackedQ6K} (Q6_K),
 * {@link PackedQ80} (Q8_0): which weights have one, their size, packing, and the products over them. All group rows by {@link #ROWS}; groups of one weight are the same size.
 */
public final class Packed {
    private Packed() {}

    /** Where the 512-bit integer kernels run (AVX-512 here); elsewhere nothing is packed. */
    public static final boolean ENABLED = Int8FloatKernels.ENABLED;
    /** Rows per group: a weight is packable when its row count is a multiple of this. */
    public static final int ROWS = 64;

    /**
     * Short lane (0..31) of a 512-bit vector that holds row {@code r} (and row r+32 in its high byte) in the layouts
     * whose 16-bit sums widen to ints in place ({@link PackedQ4K}, {@link PackedQ6K}, {@link PackedQ80}): lane 2j holds
     * row j, lane 2j+1 row 16+j, so the vector read as 16 ints has rows 0..15 in its low halves and 16..31 in its high
     * ones, and a shift takes each out ({@code <<16 >>16}, {@code >>16}). {@code convertShape(S2I, …, 1)} does the same in more instructions, and C2
     * compiles it to the Java fallback when the type profiles of the Vector API's shared conversion code are polluted.
     */
    static int lane(int r) {
        int k = r & 31;
        return k < 16 ? 2 * k : 2 * (k - 16) + 1;
    }

    /** Short index (0..63) of row {@code r}'s f16 scale in a group's scale block: {@link #lane} order, rows 32..63 after 0..31. */
    static int scaleLane(int r) {
        return (r < 32 ? 0 : 32) + lane(r);
    }

    /** Whether weights of {@code type} have a packed layout (Q2_K, Q3_K, Q4_0, Q4_K, Q5_K, Q5_0, Q6_K, Q8_0). */
    public static boolean hasLayout(GgmlType type) {
        return type == GgmlType.Q2_K || type == GgmlType.Q3_K || type == GgmlType.Q4_0 || type == GgmlType.Q4_K
                || type == GgmlType.Q5_K || type == GgmlType.Q5_0 || type == GgmlType.Q6_K || type == GgmlType.Q8_0;
    }

    /** Whether a {@code rows × cols} weight of {@code type} can be packed (on any machine): whole groups, whole blocks. */
    public static boolean packable(GgmlType type, int rows, int cols) {
        return hasLayout(type) && rows > 0 && rows % ROWS == 0 && cols > 0 && cols % type.blockSize == 0;
    }

    /** Bytes of the packed copy (unpacked scales make Q3_K's 3.6 %, Q4_K's 2.8 % and Q5_K's 2.3 % larger than the rows). */
    public static long bytes(GgmlType type, int rows, int cols) {
        return rows / ROWS * groupBytes(type, cols);
    }

    private static long groupBytes(GgmlType type, int cols) {
        return switch (type) {
            case Q2_K -> PackedQ2K.groupBytes(cols);
            case Q3_K -> PackedQ3K.groupBytes(cols);
            case Q4_0 -> PackedQ40.groupBytes(cols);
            case Q4_K -> PackedQ4K.groupBytes(cols);
            case Q5_K -> PackedQ5K.groupBytes(cols);
            case Q5_0 -> PackedQ50.groupBytes(cols);
            case Q6_K -> PackedQ6K.groupBytes(cols);
            case Q8_0 -> PackedQ80.groupBytes(cols);
            default -> throw new IllegalArgumentException(type + " has no packed layout");
        };
    }

    /** Writes groups {@code [g0, g1)} of the rows at {@code src} ({@code cols} columns, the file's layout) into {@code dst}. */
    public static void pack(GgmlType type, MemorySegment src, int cols, int g0, int g1, MemorySegment dst) {
        int rowBytes = Math.toIntExact(type.bytesFor(cols));
        long groupBytes = groupBytes(type, cols);
        byte[] in = new byte[ROWS * rowBytes], out = new byte[Math.toIntExact(groupBytes)];
        for (int g = g0; g < g1; g++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, in, 0, in.length);
            Arrays.fill(out, (byte) 0);
            switch (type) {
                case Q2_K -> PackedQ2K.packGroup(in, rowBytes, out);
                case Q3_K -> PackedQ3K.packGroup(in, rowBytes, out);
                case Q4_0 -> PackedQ40.packGroup(in, rowBytes, out);
                case Q4_K -> PackedQ4K.packGroup(in, rowBytes, out);
                case Q5_K -> PackedQ5K.packGroup(in, rowBytes, out);
                case Q5_0 -> PackedQ50.packGroup(in, rowBytes, out);
                case Q6_K -> PackedQ6K.packGroup(in, rowBytes, out);
                case Q8_0 -> PackedQ80.packGroup(in, rowBytes, out);
                default -> throw new IllegalArgumentException(type + " has no packed layout");
            }
            MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
        }
    }

    /**
     * Each thread's scratch for the 16-bit sums of the kernels whose epilogue reads them back from memory (Q2_K, Q5_K,
     * Q6_K: see {@link PackedQ2K}), taken once per call of {@link #rows}.
     */
    private static final ThreadLocal<short[]> SUMS = ThreadLocal.withInitial(() -> new short[256]);

    /**
     * Each thread's scratch for the activation quants of the block the kernels are at (a K-quant's 256, or two tokens'
     * 32 each) widened to shorts ({@link #widen}): the kernels then broadcast each value straight from memory
     * ({@code vpbroadcastw zmm, m16}) instead of a byte load and a broadcast from a general register (the kernels'
     * speed from L2: 1.05–1.14×, {@code dev/kernel-ab.sh}). Widened here, a block at a time into 512 bytes that stay
     * in L1, rather than once per product in {@link Activations}: a whole batch of shorts read from there made
     * moon-L6-Q4_K_M's pp128 108–123 t/s against 129–132 ({@code dev/bench-ab.sh}, three rounds).
     */
    private static final ThreadLocal<short[]> WIDE = ThreadLocal.withInitial(() -> new short[256]);

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;

    /** {@code xs[to..to+n) = q[from..from+n)} as shorts; n a multiple of 32. */
    static void widen(byte[] q, int from, short[] xs, int to, int n) {
        for (int i = 0; i < n; i += 32) {
            ((ShortVector) ByteVector.fromArray(B256, q, from + i).convertShape(VectorOperators.B2S, S512, 0)).intoArray(xs, to + i);
        }
    }

    /**
     * {@link dev.jmoe.tensor.Codec#dotRows} over the packed weight {@code w}: rows {@code [r0, r1)} (whole groups),
     * tokens {@code [0, nTok)} of {@code act} (FAST order), {@code y[yOff + t*yStride + r]}. A group's 64 rows (73–258
     * KB for DeepSeek's widths) stay in L2 while the tokens pass; the first token's kernel reads it from DRAM in
     * address order, for the hardware prefetchers ({@link Prefetch}).
     */
    public static void rows(GgmlType type, MemorySegment w, int cols, int r0, int r1, Activations act, int nTok, float[] y, int yOff, int yStride) {
        long groupBytes = groupBytes(type, cols);
        short[] sums = SUMS.get(), wide = WIDE.get();
        for (int g = r0 / ROWS; g < r1 / ROWS; g++) {
            int t = 0;
            if (type == GgmlType.Q4_0) { // tokens in pairs: each weight vector taken apart once for two
                for (; t + 2 <= nTok; t += 2) PackedQ40.group2(w, g * groupBytes, cols, act, t, y, yOff + t * yStride + g * ROWS, yOff + (t + 1) * yStride + g * ROWS, wide);
            } else if (type == GgmlType.Q5_0) {
                for (; t + 2 <= nTok; t += 2) PackedQ50.group2(w, g * groupBytes, cols, act, t, y, yOff + t * yStride + g * ROWS, yOff + (t + 1) * yStride + g * ROWS, wide);
            } else if (type == GgmlType.Q8_0) {
                for (; t + 2 <= nTok; t += 2) PackedQ80.group2(w, g * groupBytes, cols, act, t, t + 1, y, yOff + t * yStride + g * ROWS, yOff + (t + 1) * yStride + g * ROWS, wide);
            }
            for (; t < nTok; t++) {
                int yo = yOff + t * yStride + g * ROWS;
                switch (type) {
                    case Q2_K -> PackedQ2K.group(w, g * groupBytes, cols, act, t, y, yo, sums, wide);
                    case Q3_K -> PackedQ3K.group(w, g * groupBytes, cols, act, t, y, yo, wide);
                    case Q4_0 -> PackedQ40.group(w, g * groupBytes, cols, act, t, y, yo, wide);
                    case Q4_K -> PackedQ4K.group(w, g * groupBytes, cols, act, t, y, yo, wide);
                    case Q5_K -> PackedQ5K.group(w, g * groupBytes, cols, act, t, y, yo, sums, wide);
                    case Q5_0 -> PackedQ50.group(w, g * groupBytes, cols, act, t, y, yo, wide);
                    case Q6_K -> PackedQ6K.group(w, g * groupBytes, cols, act, t, y, yo, sums, wide);
                    case Q8_0 -> PackedQ80.group2(w, g * groupBytes, cols, act, t, t, y, yo, yo, wide); // see PackedQ80.group2
                    default -> throw new IllegalArgumentException(type + " has no packed layout");
                }
            }
        }
    }
}
