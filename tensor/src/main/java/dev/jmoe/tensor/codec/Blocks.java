package dev.jmoe.tensor.codec;

import dev.jmoe.tensor.Half;
import dev.jmoe.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/** Little-endian field reads of the legacy block layouts (ggml-common.h). */
final class Blocks {
    private Blocks() {}

    static int u8(MemorySegment s, long at) {
        return s.get(Layouts.U8, at) & 0xff;
    }

    static int i8(MemorySegment s, long at) {
        return s.get(Layouts.U8, at);
    }

    static float f16(MemorySegment s, long at) {
        return Half.toFloat(s.get(Layouts.LE_SHORT, at));
    }

    static int u32(MemorySegment s, long at) {
        return s.get(Layouts.LE_INT, at);
    }

    static void putF16(MemorySegment s, long at, float v) {
        s.set(Layouts.LE_SHORT, at, Half.fromFloat(v));
    }

    static void put8(MemorySegment s, long at, int v) {
        s.set(Layouts.U8, at, (byte) v);
    }

    static void put32(MemorySegment s, long at, int v) {
        s.set(Layouts.LE_INT, at, v);
    }

    /** Index of the signed value of largest magnitude (the first on ties), as ggml's q4_0/q5_0 quantizers pick it. */
    static float signedAbsMax(float[] x, int o, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
