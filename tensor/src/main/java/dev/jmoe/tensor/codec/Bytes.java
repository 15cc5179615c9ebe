package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Half;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/** Little-endian field reads out of a ggml block (unsigned where ggml's field is unsigned). */
final class Bytes {
    private Bytes() {}

    static int u8(MemorySegment s, long at) {
        return s.get(Layouts.U8, at) & 0xff;
    }

    static int u16(MemorySegment s, long at) {
        return s.get(Layouts.LE_SHORT, at) & 0xffff;
    }

    static int i32(MemorySegment s, long at) {
        return s.get(Layouts.LE_INT, at);
    }

    static float f16(MemorySegment s, long at) {
        return Half.toFloat(s.get(Layouts.LE_SHORT, at));
    }

    /** {@code ggml_e8m0_to_fp32_half}: 0.5 · 2^(e−127), with the two subnormal cases e = 0, 1. */
    static float e8m0Half(int e) {
        int bits = e < 2 ? 0x00200000 << e : (e - 1) << 23;
        return Float.intBitsToFloat(bits);
    }
}
