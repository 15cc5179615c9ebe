package dev.jmoe.model;

/**
 * RMS normalization as ggml computes it: {@code y = x / sqrt(mean(x²) + eps) · w}, the sum of squares in double,
 * the scale in float ({@code ggml_rms_norm} followed by {@code ggml_mul} with the norm weight).
 */
final class RmsNorm {
    private RmsNorm() {}

    /** {@code out[outOff..+n) = rmsnorm(x[xOff..+n)) · w}; out may be x. */
    static void apply(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * w[i];
    }

    /** Row-wise over {@code rows} vectors of length n. */
    static void rows(float[] x, float[] w, float eps, float[] out, int rows, int n) {
        for (int r = 0; r < rows; r++) apply(x, r * n, w, eps, out, r * n, n);
    }
}
