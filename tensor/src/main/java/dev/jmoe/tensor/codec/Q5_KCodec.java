package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_K (176 bytes / 256): {@code fp16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: Q4_K's layout plus a fifth bit
 * per value in qh (bit 2j for the low nibbles of pair j, bit 2j+1 for the high ones).
 */
public final class Q5_KCodec extends KQuantCodec {
    public Q5_KCodec() {
        super(GgmlType.Q5_K, 32, true);
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        Q4_KCodec.scaleMin(s, o + 4, sc, mn);
        for (int j = 0; j < 4; j++) {
            int u1 = 1 << (2 * j), u2 = 2 << (2 * j);
            for (int l = 0; l < 32; l++) {
                int v = u8(s, o + 48 + j * 32 + l), h = u8(s, o + 16 + l);
                q[j * 64 + l] = (v & 0xF) + ((h & u1) != 0 ? 16 : 0);
                q[j * 64 + 32 + l] = (v >> 4) + ((h & u2) != 0 ? 16 : 0);
            }
        }
    }

    @Override
    float d(MemorySegment s, long o) {
        return f16(s, o);
    }

    @Override
    float dmin(MemorySegment s, long o) {
        return f16(s, o + 2);
    }
}
