package dev.jmoe.gguf;

/**
 * One entry of a GGUF tensor table.
 *
 * @param name   tensor name, e.g. {@code blk.3.ffn_up_exps.weight}
 * @param dims   ggml dims, innermost first: {@code {in, out}} for a weight that multiplies a vector of length {@code in}
 * @param type   element type
 * @param offset byte offset of the data relative to the start of the data section
 */
public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public TensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int nDims() {
        return dims.length;
    }

    /** ne[i], or 1 past the stored dims. */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Number of rows of length {@code dim(0)}: the product of the outer dims. */
    public long rowCount() {
        return elementCount() / Math.max(1, dim(0));
    }

    /** Bytes of one row of {@code dim(0)} values. */
    public long rowBytes() {
        return type.bytesFor(dim(0));
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    /** Dims as ggml prints them, e.g. {@code {7168, 2048, 256}}. */
    public String shape() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < dims.length; i++) sb.append(i > 0 ? ", " : "").append(dims[i]);
        return sb.append('}').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && java.util.Arrays.equals(t.dims, dims)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shape() + " @" + offset;
    }
}
