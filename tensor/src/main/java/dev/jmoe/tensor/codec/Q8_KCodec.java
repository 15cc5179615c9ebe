package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.Blocks.i8;

import dev.jmoe.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Q8_K (292 bytes / 256): {@code f32 d; i8 qs[256]; i16 bsums[16]}; value = d·q. The K-quants' activation format. */
public final class Q8_KCodec extends KQuantCodec {
    public Q8_KCodec() {
        super(GgmlType.Q8_K, 256, false);
    }

    @Override
    void unpack(MemorySegment s, long o, int[] q, int[] sc, int[] mn) {
        sc[0] = 1;
        for (int i = 0; i < 256; i++) q[i] = i8(s, o + 4 + i);
    }

    @Override
    float d(MemorySegment s, long o) {
        return s.get(dev.jmoe.tensor.Layouts.LE_FLOAT, o);
    }
}
