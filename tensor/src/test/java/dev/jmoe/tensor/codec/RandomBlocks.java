package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import java.util.Random;

/** Random blocks of a type: random bits everywhere, except the scale fields, which get finite, moderate values. */
public final class RandomBlocks {
    private RandomBlocks() {}

    public static byte[] of(GgmlType type, int nBlocks, Random rnd) {
        byte[] b = new byte[nBlocks * type.typeSize];
        rnd.nextBytes(b);
        for (int i = 0; i < nBlocks; i++) {
            int o = i * type.typeSize;
            short d = Float.floatToFloat16((rnd.nextBoolean() ? -1 : 1) * (0.001f + 0.1f * rnd.nextFloat()));
            switch (type) {
                case TQ1_0 -> put16(b, o + 52, d);
                case TQ2_0 -> put16(b, o + 64, d);
                case MXFP4 -> b[o] = (byte) (110 + rnd.nextInt(30)); // 2^-18 .. 2^11
                case IQ1_M -> {
                    for (int k = 0; k < 4; k++) {
                        int at = o + 48 + 2 * k;
                        int s = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
                        put16(b, at, (short) ((s & 0x0fff) | ((d >> 4 * k) & 0xf) << 12));
                    }
                }
                default -> put16(b, o, d);
            }
        }
        return b;
    }

    private static void put16(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }
}
