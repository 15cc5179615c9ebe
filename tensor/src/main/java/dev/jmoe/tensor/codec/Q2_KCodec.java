package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q2_K (84 bytes / 256): {@code u8 scales[16]; u8 qs[64]; fp16 d, dmin}. 16 sub-blocks of 16: scale = low nibble,
 * min = high nibble; 2-bit quants, each qs byte holds 4 values 32 apart within its 128-value half.
 */
public final class Q2_KCodec extends KQuantCodec {
    public Q2_KCodec() {
        super(GgmlType.Q2_K, 16, true);
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        for (int i = 0; i < 16; i++) {
            int v = u8(s, o + i);
            sc[i] = v & 0xF;
            mn[i] = v >> 4;
        }
        for (int half = 0; half < 2; half++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) q[half * 128 + j * 32 + l] = (u8(s, o + 16 + half * 32 + l) >> (2 * j)) & 3;
            }
        }
    }

    @Override
    float d(MemorySegment s, long o) {
        return f16(s, o + 80);
    }

    @Override
    float dmin(MemorySegment s, long o) {
        return f16(s, o + 82);
    }
}
