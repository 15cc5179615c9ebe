package dev.jmoe.tensor;

/**
 * Activation quantization exactly as ggml-cpu does it on x86, so integer dot products see the same int8 values as
 * llama.cpp (needed to reproduce its logits on quantized models up to the first routing near-tie).
 */
final class ActivationQuant {
    private ActivationQuant() {}

    /**
     * Q8_0 (and Q8_1 when {@code sums != null}) per block of 32, as ggml-cpu's AVX path: {@code amax = max|x|},
     * scale {@code d = fp16(amax/127)}, quants {@code rint(x · 127/amax)} (round half to even), Q8_1 sum
     * {@code fp16(d_f32 · Σq)}. The stored scale is the fp16-rounded value, as the dot products read it.
     */
    static void q8_0(float[] x, int xOff, int n, byte[] q, float[] d, float[] sums, int blockOff) {
        for (int b = 0; b < n / 32; b++) {
            int o = xOff + b * 32;
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            float dd = amax / 127.f;
            float id = amax != 0 ? 127.f / amax : 0;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int v = (int) Math.rint(x[o + j] * id);
                q[o + j] = (byte) v;
                sum += v;
            }
            d[blockOff + b] = Half.round(dd);
            if (sums != null) sums[blockOff + b] = Half.round(dd * sum);
        }
    }

    /**
     * Q8_K per block of 256, as ggml's {@code quantize_row_q8_K_ref}: the signed value of largest magnitude
     * {@code max} sets {@code iscale = -127/max}; quants {@code min(127, rint(iscale·x))}; {@code d = 1/iscale} (F32);
     * plus the sum of each 16 quants.
     */
    static void q8_K(float[] x, int xOff, int n, byte[] q, float[] d, short[] bsums, int blockOff) {
        for (int b = 0; b < n / 256; b++) {
            int o = xOff + b * 256;
            float max = 0, amax = 0;
            for (int j = 0; j < 256; j++) {
                float ax = Math.abs(x[o + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[o + j];
                }
            }
            int bs = (blockOff + b) * 16;
            if (amax == 0) {
                d[blockOff + b] = 0;
                java.util.Arrays.fill(q, o, o + 256, (byte) 0);
                java.util.Arrays.fill(bsums, bs, bs + 16, (short) 0);
                continue;
            }
            float iscale = -127.f / max;
            for (int j = 0; j < 256; j++) q[o + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[o + j]));
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) sum += q[o + j * 16 + i];
                bsums[bs + j] = (short) sum;
            }
            d[blockOff + b] = 1 / iscale;
        }
    }
}
