package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.TensorInfo;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix in place in the mapping: {@code rows} rows of {@code cols} values of {@code type}, row-major —
 * ggml's {@code {cols, rows}}. {@code y = W·x} takes x of length cols and gives y of length rows. A 3-D expert tensor
 * {@code {cols, rows, n_expert}} is viewed per expert with {@link #expert}.
 */
public record Matrix(String name, GgmlType type, Codec codec, MemorySegment data, int cols, int rows) {

    public static Matrix of(GgufFile file, TensorInfo t) {
        long rows = t.rowCount();
        if (rows > Integer.MAX_VALUE || t.dim(0) > Integer.MAX_VALUE) throw new IllegalArgumentException(t.name() + " is too large: " + t.shape());
        return new Matrix(t.name(), t.type(), Codecs.of(t), file.data(t), (int) t.dim(0), (int) rows);
    }

    public static Matrix of(GgufFile file, String name) {
        return of(file, file.tensor(name));
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    /** Byte offset of row {@code r} in {@link #data()}. */
    public long rowOffset(int r) {
        return r * rowBytes();
    }

    /** Rows {@code [first, first + count)} as their own matrix (an expert of a merged 3-D tensor, a head slice). */
    public Matrix rows(int first, int count) {
        return new Matrix(name, type, codec, data.asSlice(first * rowBytes(), count * rowBytes()), cols, count);
    }

    /** Expert {@code e} of a 3-D tensor {@code {cols, rowsPerExpert, n_expert}} viewed as one matrix. */
    public Matrix expert(int e, int rowsPerExpert) {
        return rows(e * rowsPerExpert, rowsPerExpert);
    }

    /** Dequantizes row {@code r} into {@code dst[dstOff..dstOff+cols)}. */
    public void dequantizeRow(int r, float[] dst, int dstOff) {
        codec.dequantize(data, rowOffset(r), dst, dstOff, cols);
    }

    /** All values as floats (tests and small tensors only). */
    public float[] toFloats() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    public long byteSize() {
        return rows * rowBytes();
    }
}
