package dev.jmoe.tensor;

import java.lang.foreign.MemorySegment;

/**
 * FP8 E4M3 ("e4m3fn", as PyTorch's {@code float8_e4m3fn} and DeepSeek-V3's released weights): 1 sign, 4 exponent
 * (bias 7), 3 mantissa bits; no infinities, {@code S.1111.111} (0x7F, 0xFF) is NaN, the largest value is 448, the
 * smallest subnormal 2^-9.
 *
 * <p>DeepSeek's official checkpoints store each weight matrix {@code [rows, cols]} as fp8 plus
 * {@code weight_scale_inv [ceil(rows/128), ceil(cols/128)]} (float): {@code w[r][c] = fp8[r][c] ·
 * scale[r/128][c/128]}. {@link #dequantize} implements exactly that; it is independent of GGUF type ids.
 */
public final class Fp8E4M3 {
    private Fp8E4M3() {}

    /** DeepSeek-V3's {@code weight_block_size}: [128, 128]. */
    public static final int BLOCK = 128;
    public static final float MAX = 448f;

    private static final float[] TABLE = new float[256];

    static {
        for (int c = 0; c < 256; c++) TABLE[c] = decode(c);
    }

    /** The value of code {@code c} (0..255) from its fields. */
    private static float decode(int c) {
        int sign = c >> 7, exp = (c >> 3) & 0xf, man = c & 7;
        float v;
        if (exp == 0xf && man == 7) v = Float.NaN;
        else if (exp == 0) v = man / 8f * 0x1p-6f;        // subnormal: 2^(1−7) · m/8
        else v = (1 + man / 8f) * Math.scalb(1f, exp - 7);
        return sign == 1 ? -v : v;
    }

    public static float toFloat(byte code) {
        return TABLE[code & 0xff];
    }

    /**
     * Nearest fp8 E4M3 code, ties to even; magnitudes beyond 448 saturate to ±448 (as DeepSeek's and most fp8
     * quantizers clamp before casting); NaN → 0x7F.
     */
    public static byte fromFloat(float f) {
        if (Float.isNaN(f)) return 0x7f;
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x80 : 0;
        float a = Math.abs(f);
        if (a >= MAX) return (byte) (sign | 0x7e);
        // quantum of the binade holding a: 2^(e−3) for normal e ≥ −6, 2^-9 below (subnormals)
        int e = a == 0 ? -7 : Math.getExponent(a);
        float quantum = Math.scalb(1f, Math.max(e, -6) - 3);
        float q = (float) Math.rint(a / quantum) * quantum; // exact: a/quantum is a power-of-2 scaling
        if (q >= MAX) return (byte) (sign | 0x7e);
        if (q == 0) return (byte) sign;
        int qe = Math.getExponent(q);
        int code;
        if (qe < -6) code = (int) (q / 0x1p-9f);                                   // subnormal: mantissa m, value m·2^-9
        else code = ((qe + 7) << 3) | (int) ((q / Math.scalb(1f, qe) - 1) * 8);   // normal
        return (byte) (sign | code);
    }

    /**
     * Dequantizes a row-major fp8 matrix {@code [rows, cols]} at byte {@code offset} of {@code fp8} with block scales
     * {@code scales [ceil(rows/128), ceil(cols/128)]} (row-major) into {@code dst[dstOff + r*cols + c]}.
     */
    public static void dequantize(MemorySegment fp8, long offset, int rows, int cols, float[] scales, float[] dst, int dstOff) {
        int scaleRows = (rows + BLOCK - 1) / BLOCK, scaleCols = (cols + BLOCK - 1) / BLOCK;
        if (scales.length < (long) scaleRows * scaleCols) {
            throw new IllegalArgumentException("fp8 matrix [" + rows + ", " + cols + "] needs weight_scale_inv [" + scaleRows + ", " + scaleCols
                    + "] = " + (long) scaleRows * scaleCols + " scales, got " + scales.length);
        }
        if (fp8.byteSize() - offset < (long) rows * cols) {
            throw new IllegalArgumentException("fp8 matrix [" + rows + ", " + cols + "] needs " + (long) rows * cols + " bytes from offset " + offset
                    + ", the segment has " + (fp8.byteSize() - offset));
        }
        if (dst.length - dstOff < (long) rows * cols) throw new IllegalArgumentException("destination holds " + (dst.length - dstOff) + " floats, need " + (long) rows * cols);
        for (int r = 0; r < rows; r++) dequantizeRow(fp8, offset + (long) r * cols, r, cols, scales, scaleCols, dst, dstOff + r * cols);
    }

    /** One row {@code r} of {@code cols} fp8 values at byte {@code rowOffset}, with the block scales of its row band. */
    public static void dequantizeRow(MemorySegment fp8, long rowOffset, int r, int cols, float[] scales, int scaleCols, float[] dst, int dstOff) {
        int sBase = (r / BLOCK) * scaleCols;
        for (int cb = 0; cb * BLOCK < cols; cb++) {
            float s = scales[sBase + cb];
            int end = Math.min(cols, (cb + 1) * BLOCK);
            for (int c = cb * BLOCK; c < end; c++) dst[dstOff + c] = TABLE[fp8.get(Layouts.U8, rowOffset + c) & 0xff] * s;
        }
    }
}
