package dev.jmoe.bench;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codecs;
import dev.jmoe.tensor.Half;
import dev.jmoe.tensor.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Off-heap random weight matrices of a given type (finite fp16 scales), sized in bytes. */
final class Weights {
    private Weights() {}

    static final int COLS = 4096;

    /** A matrix of COLS columns and enough rows to hold at least {@code minBytes}. */
    static Matrix random(Arena arena, GgmlType t, long minBytes) {
        long rowBytes = t.bytesFor(COLS);
        int rows = (int) ((minBytes + rowBytes - 1) / rowBytes);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        SplittableRandom rnd = new SplittableRandom(t.id);
        for (long i = 0; i + 8 <= seg.byteSize(); i += 8) seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i, rnd.nextLong());
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        short small = Half.fromFloat(0.01f);
        if (t == GgmlType.F16) {
            for (long i = 0; i < seg.byteSize(); i += 2) seg.set(le, i, Half.fromFloat((float) rnd.nextDouble(-1, 1)));
        } else if (t == GgmlType.BF16) {
            for (long i = 0; i < seg.byteSize(); i += 2) seg.set(le, i, Half.floatToBf16((float) rnd.nextDouble(-1, 1)));
        } else if (t == GgmlType.F32) {
            for (long i = 0; i < seg.byteSize(); i += 4) seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextDouble(-1, 1));
        } else {
            // every block starts with fp16 d (and for most types, the next fp16 is m / dmin): keep both finite
            for (long b = 0; b < seg.byteSize(); b += t.typeSize) {
                seg.set(le, b, small);
                seg.set(le, b + 2, small);
            }
        }
        return new Matrix(t + "-random", t, Codecs.of(t), seg, COLS, rows);
    }
}
