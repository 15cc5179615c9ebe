package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.util.Random;

/** Random rows of the legacy / float types with finite scales (incl. zero, subnormal and largest fp16 scales). */
final class LegacyBlocks {
    private LegacyBlocks() {}

    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL};

    /** Byte offsets of the fp16 fields (d, and m or s) of each 32-value block. */
    static int[] halfFields(GgmlType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL -> new int[] {0};
            case Q8_1, Q4_1, Q5_1 -> new int[] {0, 2};
            default -> new int[0];
        };
    }

    static short randomHalf(Random rnd, int mode) {
        return switch (mode) {
            case 0 -> 0;                                         // zero scale
            case 1 -> (short) 0x7bff;                            // 65504, the largest fp16
            case 2 -> (short) (1 + rnd.nextInt(0x3ff));          // subnormal
            case 3 -> (short) 0xfbff;                            // -65504
            default -> Half.fromFloat((float) (rnd.nextGaussian() * 0.05));
        };
    }

    /** A row of n values; {@code mode} < 0 picks the special scale per block at random one time in eight. */
    static MemorySegment row(GgmlType t, int n, long seed) {
        return row(t, n, seed, false);
    }

    /** As {@link #row(GgmlType, int, long)}; {@code finite} keeps F16 infinities out (for dot products). */
    static MemorySegment row(GgmlType t, int n, long seed, boolean finite) {
        Random rnd = new Random(seed);
        byte[] b = new byte[(int) t.bytesFor(n)];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (t) {
            case F32 -> {
                for (int i = 0; i < n; i++) bb.putFloat(4 * i, rnd.nextInt(50) == 0 ? (rnd.nextBoolean() ? 1e30f : -1e-40f) : (float) rnd.nextGaussian());
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    short h = (short) rnd.nextInt(1 << 16);
                    if ((h & 0x7c00) == 0x7c00) h = finite ? (short) (h & 0x83ff) : (short) (h & ~0x3ff); // no NaN; ±inf unless finite
                    if (rnd.nextInt(4) > 0) h = Half.fromFloat((float) rnd.nextGaussian());
                    bb.putShort(2 * i, h);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) bb.putShort(2 * i, rnd.nextInt(20) == 0 ? (short) rnd.nextInt(0x7100) : Half.floatToBf16((float) rnd.nextGaussian()));
            }
            default -> {
                rnd.nextBytes(b);
                for (int blk = 0; blk < n / 32; blk++) {
                    int mode = rnd.nextInt(8) == 0 ? rnd.nextInt(4) : 4;
                    for (int f : halfFields(t)) bb.putShort(blk * t.typeSize + f, randomHalf(rnd, mode));
                }
            }
        }
        return MemorySegment.ofArray(b);
    }

    /** Activation floats: Gaussian, with a zero block and a ×500 block now and then (the Q8_1 sum s = d·Σq is fp16 and overflows, in ggml too, when a block's amax exceeds ~2000). */
    static float[] activations(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int blk = 0; blk < n / 32; blk++) {
            int kind = rnd.nextInt(10);
            for (int j = 0; j < 32; j++) x[blk * 32 + j] = kind == 0 ? 0 : (float) rnd.nextGaussian() * (kind == 1 ? 500f : 1);
        }
        return x;
    }
}
