package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u32;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q3_K (110 bytes / 256): {@code u8 hmask[32]; u8 qs[64]; u8 scales[12]; fp16 d}. 16 sub-blocks of 16 with 6-bit
 * scales (stored −32 biased, packed 4+2 bits); value = d·(scale−32)·(q2 − (hmask bit ? 0 : 4)).
 */
public final class Q3_KCodec extends KQuantCodec {
    private static final int KMASK1 = 0x03030303, KMASK2 = 0x0f0f0f0f;

    public Q3_KCodec() {
        super(GgmlType.Q3_K, 16, false);
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        int a0 = u32(s, o + 96), a1 = u32(s, o + 100), tmp = u32(s, o + 104);
        int[] aux = {
            (a0 & KMASK2) | (((tmp) & KMASK1) << 4),
            (a1 & KMASK2) | (((tmp >>> 2) & KMASK1) << 4),
            ((a0 >>> 4) & KMASK2) | (((tmp >>> 4) & KMASK1) << 4),
            ((a1 >>> 4) & KMASK2) | (((tmp >>> 6) & KMASK1) << 4)};
        for (int i = 0; i < 16; i++) sc[i] = (byte) (aux[i / 4] >>> (8 * (i % 4))) - 32;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    int q2 = (u8(s, o + 32 + half * 32 + l) >> (2 * j)) & 3;
                    boolean hi = (u8(s, o + l) & m) != 0;
                    q[half * 128 + j * 32 + l] = q2 - (hi ? 0 : 4);
                }
                m <<= 1;
            }
        }
    }

    @Override
    float d(MemorySegment s, long o) {
        return f16(s, o + 108);
    }
}
