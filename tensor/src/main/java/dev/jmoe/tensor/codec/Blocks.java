package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.Layouts.LE_SHORT;

import dev.jmoe.tensor.Half;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Small readers shared by the codecs: bytes, fp16 scales, and int dot products of unpacked quants. */
final class Blocks {
    private Blocks() {}

    static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    static int i8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at);
    }

    static float f16(MemorySegment s, long at) {
        return Half.toFloat(s.get(LE_SHORT, at));
    }

    static int u32(MemorySegment s, long at) {
        return s.get(dev.jmoe.tensor.Layouts.LE_INT, at);
    }

    static void putU8(MemorySegment s, long at, int v) {
        s.set(ValueLayout.JAVA_BYTE, at, (byte) v);
    }

    static void putF16(MemorySegment s, long at, float v) {
        s.set(LE_SHORT, at, Half.fromFloat(v));
    }

    /** Σ q[qOff + i] · a[aOff + i] over n values (exact in int). */
    static int dot(int[] q, int qOff, byte[] a, int aOff, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) s += q[qOff + i] * a[aOff + i];
        return s;
    }

    /** Per-thread scratch for unpacked quants, so dot products allocate nothing per call. */
    static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[256]);
}
