package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.f16;
import static dev.jmoe.tensor.codec.Blocks.u8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K (144 bytes / 256): {@code fp16 d, dmin; u8 scales[12]; u8 qs[128]}. 8 sub-blocks of 32 with 6-bit scale and
 * min ({@link #scaleMin}); each 64-value pair of sub-blocks shares 32 qs bytes: low nibbles first, then high.
 */
public final class Q4_KCodec extends KQuantCodec {
    public Q4_KCodec() {
        super(GgmlType.Q4_K, 32, true);
    }

    /** ggml's get_scale_min_k4: 6-bit scale and min of sub-block j from the 12 packed bytes at {@code p}. */
    static void scaleMin(MemorySegment s, long p, int[] sc, int[] mn) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = u8(s, p + j) & 63;
                mn[j] = u8(s, p + j + 4) & 63;
            } else {
                sc[j] = (u8(s, p + j + 4) & 0xF) | ((u8(s, p + j - 4) >> 6) << 4);
                mn[j] = (u8(s, p + j + 4) >> 4) | ((u8(s, p + j) >> 6) << 4);
            }
        }
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        scaleMin(s, o + 4, sc, mn);
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) {
                int v = u8(s, o + 16 + j * 32 + l);
                q[j * 64 + l] = v & 0xF;
                q[j * 64 + 32 + l] = v >> 4;
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
