package dev.jmoe.tensor.codec;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Activations;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

/** One frozen llama.cpp golden file (layout in tensor/src/test/golden-gen/iq_golden.c). */
record LlamaCppGolden(GgmlType type, int rows, int perRow, int rowBytes, byte[] quantized, float[] dequantized,
                      float[] x, byte[] activationBytes, float[] dotGeneric, float[] dotHaswell) {

    static LlamaCppGolden load(GgmlType type) {
        String name = "llamacpp/" + type.name().toLowerCase() + ".bin.gz";
        try (InputStream raw = LlamaCppGolden.class.getResourceAsStream(name)) {
            if (raw == null) throw new IllegalStateException("missing test resource " + name);
            ByteBuffer b = ByteBuffer.wrap(new DataInputStream(new GZIPInputStream(raw)).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != 0x51494d4a || b.getInt() != 1) throw new IllegalStateException(name + ": not a JMIQ v1 file");
            int id = b.getInt(), rows = b.getInt(), perRow = b.getInt(), rowBytes = b.getInt(), actBytes = b.getInt();
            if (id != type.id) throw new IllegalStateException(name + ": type id " + id + ", expected " + type.id);
            byte[] q = new byte[rows * rowBytes];
            b.get(q);
            float[] deq = floats(b, rows * perRow), x = floats(b, perRow);
            byte[] act = new byte[actBytes];
            b.get(act);
            float[] dg = floats(b, rows), dh = floats(b, rows);
            if (b.hasRemaining()) throw new IllegalStateException(name + ": trailing bytes");
            return new LlamaCppGolden(type, rows, perRow, rowBytes, q, deq, x, act, dg, dh);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = b.getFloat();
        return f;
    }

    MemorySegment weights() {
        return MemorySegment.ofArray(quantized);
    }

    /** llama.cpp's quantized activations unpacked into an {@link Activations} (Q8_K: f32 d, qs, bsums; Q8_0: fp16 d, qs). */
    Activations llamaActivations(GgmlType format) {
        Activations a = new Activations().prepare(format, x, 0, perRow, 1); // sizes the buffers
        ByteBuffer b = ByteBuffer.wrap(activationBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (format == GgmlType.Q8_K) {
            for (int blk = 0; blk < perRow / 256; blk++) {
                a.d[blk] = b.getFloat();
                b.get(a.q, blk * 256, 256);
                for (int i = 0; i < 16; i++) a.bsums[blk * 16 + i] = b.getShort();
            }
        } else {
            for (int blk = 0; blk < perRow / 32; blk++) {
                a.d[blk] = Float.float16ToFloat(b.getShort());
                b.get(a.q, blk * 32, 32);
            }
        }
        return a;
    }
}
