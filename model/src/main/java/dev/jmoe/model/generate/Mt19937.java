package dev.jmoe.model.generate;

/**
 * The 32-bit Mersenne Twister ({@code std::mt19937}), the generator llama.cpp's {@code dist} sampler draws from, so a
 * seed means the same stream of numbers here as there. {@link #nextCanonical()} is
 * {@code std::uniform_real_distribution<double>(0, 1)} as libstdc++ builds it (two 32-bit draws, low word first).
 */
public final class Mt19937 {

    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int index;

    public Mt19937(long seed) {
        seed(seed);
    }

    /** Seeds with the low 32 bits of {@code seed}, as {@code std::mt19937(uint32_t)}. */
    public void seed(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** Next output in [0, 2^32), as an unsigned value in a long. */
    public long nextUnsigned() {
        if (index >= N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** A double in [0, 1): (g1 + g2·2^32) / 2^64, clamped below 1 (libstdc++'s generate_canonical&lt;double, 53&gt;). */
    public double nextCanonical() {
        double lo = nextUnsigned();
        double hi = nextUnsigned();
        double r = (lo + hi * 4294967296.0) / 18446744073709551616.0;
        return r >= 1.0 ? Math.nextDown(1.0) : r;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int next = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) next ^= 0x9908b0df;
            mt[i] = next;
        }
        index = 0;
    }
}
