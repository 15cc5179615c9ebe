package dev.jmoe.tensor;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.codec.Packed;
import dev.jmoe.gguf.GgufFile;
import dev.jmoe.gguf.TensorInfo;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix in place in the mapping: {@code rows} rows of {@code cols} values of {@code type}, row-major —
 * ggml's {@code {cols, rows}}. {@code y = W·x} takes x of length cols and gives y of length rows. A 3-D expert tensor
 * {@code {cols, rows, n_expert}} is viewed per expert with {@link #expert}.
 *
 * <p>{@code packed}, where not null, is a copy of the same weights in a kernel's own layout ({@link Packed}: Q4_0,
 * Q4_K, Q5_0, Q6_K; rows in groups of {@link Packed#ROWS}, all groups of a weight the same size); the products read it
 * instead of {@code data}, which stays valid for everything else.
 */
public record Matrix(String name, GgmlType type, Codec codec, MemorySegment data, int cols, int rows, MemorySegment packed) {

    public Matrix(String name, GgmlType type, Codec codec, MemorySegment data, int cols, int rows) {
        this(name, type, codec, data, cols, rows, null);
    }

    /** This matrix with its weights also in {@code packedCopy} (see the class comment). */
    public Matrix withPacked(MemorySegment packedCopy) {
        return new Matrix(name, type, codec, data, cols, rows, packedCopy);
    }

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
        // a packed copy comes along when the slice is whole groups of rows (experts of 1408 or 2048 rows are); its
        // groups are all the same size
        MemorySegment p = null;
        if (packed != null && first % Packed.ROWS == 0 && count % Packed.ROWS == 0) {
            long group = packed.byteSize() / (rows / Packed.ROWS);
            p = packed.asSlice(first / Packed.ROWS * group, count / Packed.ROWS * group);
        }
        return new Matrix(name, type, codec, data.asSlice(first * rowBytes(), count * rowBytes()), cols, count, p);
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
