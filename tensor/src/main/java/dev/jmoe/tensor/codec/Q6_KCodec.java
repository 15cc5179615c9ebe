package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.i8;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K (210 bytes / 256): {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; fp16 d}. 16 sub-blocks of 16 with signed 8-bit
 * scales; 6-bit quants (4 low bits in ql, 2 high bits in qh), stored +32.
 */
public final class Q6_KCodec extends KQuantCodec {
    public Q6_KCodec() {
        super(GgmlType.Q6_K, 16, false);
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        for (int i = 0; i < 16; i++) sc[i] = i8(s, o + 192 + i);
        for (int half = 0; half < 2; half++) {
            long ql = o + half * 64, qh = o + 128 + half * 32;
            int y = half * 128;
            for (int l = 0; l < 32; l++) {
                int h = u8(s, qh + l), a = u8(s, ql + l), b = u8(s, ql + l + 32);
                q[y + l] = ((a & 0xF) | ((h & 3) << 4)) - 32;
                q[y + l + 32] = ((b & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                q[y + l + 64] = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                q[y + l + 96] = ((b >> 4) | (((h >> 6) & 3) << 4)) - 32;
            }
        }
    }

    @Override
    float d(MemorySegment s, long o) {
        return f16(s, o + 208);
    }
}
