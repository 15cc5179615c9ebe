package dev.jmoe.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a GGUF header from a {@link MemorySegment}. Every read is bounds-checked against the segment, every count is
 * checked against the bytes that remain before anything is allocated, so malformed input can only produce a
 * {@link GgufFormatException} naming the field and offset — never an OutOfMemoryError, a hang or an out-of-bounds read.
 */
final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    static final int MAX_NESTING = 8;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Header(int version, GgufMetadata metadata, List<TensorInfo> tensors, int alignment, long dataOffset) {}

    private final MemorySegment seg;
    private final long size;
    private long pos;

    private GgufReader(MemorySegment seg) {
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /**
     * @param checkData when true, every tensor's data must lie inside the segment; header-only callers pass false
     */
    static Header parse(MemorySegment seg, boolean checkData) {
        return new GgufReader(seg).parse(checkData);
    }

    private Header parse(boolean checkData) {
        int magic = u32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException("magic", 0, String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
        }
        long vpos = pos;
        int version = u32("version");
        if (version == 1) throw new GgufFormatException("version", vpos, "GGUF v1 is not supported (v2 and v3 are)");
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) <= 3 && Integer.reverseBytes(version) > 0 ? " (looks big-endian: only little-endian GGUF is supported)" : "";
            throw new GgufFormatException("version", vpos, "unsupported GGUF version " + Integer.toUnsignedString(version) + hint);
        }
        long tpos = pos;
        long nTensors = u64("tensor_count");
        long kpos = pos;
        long nKv = u64("metadata_kv_count");
        // each KV takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8 + 4 + 4 + 8
        checkCount("metadata_kv_count", kpos, nKv, 13);
        checkCount("tensor_count", tpos, nTensors, 24);

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            long at = pos;
            String key = string("metadata[" + i + "] key");
            String field = "metadata[" + i + "] \"" + key + "\"";
            GgufValueType type = valueType(field + " type");
            GgufValue v = value(field, type, 0);
            if (kv.putIfAbsent(key, v) != null) throw new GgufFormatException(field, at, "duplicate metadata key");
        }
        GgufMetadata metadata = new GgufMetadata(kv);

        int alignment = 32;
        GgufValue al = kv.get("general.alignment");
        if (al != null) {
            if (al.type() != GgufValueType.UINT32) {
                throw new GgufFormatException("general.alignment", 0, "must be UINT32, found " + al.type());
            }
            long a = (Long) al.value();
            if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new GgufFormatException("general.alignment", 0, "must be a power of two, found " + a);
            }
            alignment = (int) a;
        }

        List<TensorInfo> tensors = new ArrayList<>((int) nTensors);
        Set<String> names = new HashSet<>();
        long[] infoPos = new long[(int) nTensors];
        for (int i = 0; i < nTensors; i++) {
            long at = pos;
            infoPos[i] = at;
            String name = string("tensor[" + i + "] name");
            String field = "tensor[" + i + "] \"" + name + "\"";
            if (!names.add(name)) throw new GgufFormatException(field, at, "duplicate tensor name");
            long dpos = pos;
            int nDims = u32(field + " n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) throw new GgufFormatException(field + " n_dims", dpos, "must be 1.." + MAX_DIMS + ", found " + Integer.toUnsignedString(nDims));
            long[] dims = new long[nDims];
            long count = 1;
            for (int d = 0; d < nDims; d++) {
                long ppos = pos;
                dims[d] = u64(field + " dims[" + d + "]");
                if (dims[d] < 0) throw new GgufFormatException(field + " dims[" + d + "]", ppos, "dimension " + Long.toUnsignedString(dims[d]) + " is too large");
                try {
                    count = Math.multiplyExact(count, dims[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException(field + " dims", dpos, "element count overflows (dims " + Arrays.toString(dims) + ")");
                }
            }
            long typePos = pos;
            int typeId = u32(field + " type");
            GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> new GgufFormatException(field + " type", typePos,
                    "unknown ggml type id " + Integer.toUnsignedString(typeId)));
            if (dims[0] % type.blockSize != 0) {
                throw new GgufFormatException(field + " dims[0]", dpos + 4, "row length " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            long offPos = pos;
            long offset = u64(field + " offset");
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufFormatException(field + " offset", offPos, "offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            try {
                type.bytesFor(count);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(field + " dims", dpos, "byte size overflows");
            }
            tensors.add(new TensorInfo(name, dims, type, offset));
        }

        long dataOffset = alignUp(pos, alignment);
        checkTensorRanges(tensors, infoPos, dataOffset, checkData);
        return new Header(version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private void checkTensorRanges(List<TensorInfo> tensors, long[] infoPos, long dataOffset, boolean checkData) {
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingLong(i -> tensors.get(i).offset()));
        long prevEnd = 0;
        String prevName = null;
        for (int idx : order) {
            TensorInfo t = tensors.get(idx);
            String field = "tensor[" + idx + "] \"" + t.name() + "\"";
            long bytes = t.byteSize();
            long end;
            try {
                end = Math.addExact(t.offset(), bytes);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(field + " offset", infoPos[idx], "offset + size overflows");
            }
            if (t.offset() < prevEnd) {
                throw new GgufFormatException(field + " offset", infoPos[idx], "data [" + t.offset() + ", " + end + ") overlaps tensor \"" + prevName + "\" ending at " + prevEnd);
            }
            if (checkData && (end > size - dataOffset || dataOffset > size)) {
                throw new GgufFormatException(field + " data", dataOffset + t.offset(),
                        bytes + " bytes of tensor data run past end of file (file size " + size + ")");
            }
            prevEnd = end;
            prevName = t.name();
        }
    }

    private GgufValue value(String field, GgufValueType type, int depth) {
        long at = pos;
        return switch (type) {
            case UINT8 -> new GgufValue(type, (long) (u8(field) & 0xff));
            case INT8 -> new GgufValue(type, (long) u8(field));
            case UINT16 -> new GgufValue(type, (long) (u16(field) & 0xffff));
            case INT16 -> new GgufValue(type, (long) u16(field));
            case UINT32 -> new GgufValue(type, u32(field) & 0xffffffffL);
            case INT32 -> new GgufValue(type, (long) u32(field));
            case UINT64, INT64 -> new GgufValue(type, u64(field));
            case FLOAT32 -> new GgufValue(type, f32(field));
            case FLOAT64 -> new GgufValue(type, f64(field));
            case BOOL -> new GgufValue(type, bool(field, at));
            case STRING -> new GgufValue(type, string(field));
            case ARRAY -> new GgufValue(type, array(field, depth));
        };
    }

    private boolean bool(String field, long at) {
        byte b = u8(field);
        if (b != 0 && b != 1) throw new GgufFormatException(field, at, "bool must be 0 or 1, found " + (b & 0xff));
        return b == 1;
    }

    private GgufValue.Array array(String field, int depth) {
        if (depth >= MAX_NESTING) throw new GgufFormatException(field, pos, "arrays nested deeper than " + MAX_NESTING);
        GgufValueType et = valueType(field + " element type");
        long cpos = pos;
        long n = u64(field + " count");
        checkCount(field + " count", cpos, n, et.minSize());
        int len = (int) n;
        switch (et) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = (Long) value(field, et, depth + 1).value();
                return new GgufValue.Array(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = f32(field);
                return new GgufValue.Array(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = f64(field);
                return new GgufValue.Array(et, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = bool(field + "[" + i + "]", pos);
                return new GgufValue.Array(et, a);
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string(field + "[" + i + "]");
                return new GgufValue.Array(et, a);
            }
            case ARRAY -> {
                GgufValue.Array[] a = new GgufValue.Array[len];
                for (int i = 0; i < len; i++) a[i] = array(field + "[" + i + "]", depth + 1);
                return new GgufValue.Array(et, a);
            }
        }
        throw new AssertionError(et);
    }

    private GgufValueType valueType(String field) {
        long at = pos;
        int id = u32(field);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw new GgufFormatException(field, at, "unknown metadata value type " + Integer.toUnsignedString(id));
        return t;
    }

    /** Checks that {@code count} items of at least {@code minBytes} each can fit in what remains of the file. */
    private void checkCount(String field, long at, long count, int minBytes) {
        long remaining = size - pos;
        if (count < 0 || count > Integer.MAX_VALUE - 8 || count > remaining / Math.max(1, minBytes)) {
            throw new GgufFormatException(field, at, "count " + Long.toUnsignedString(count) + " cannot fit in the "
                    + remaining + " bytes left (file size " + size + ")");
        }
    }

    private String string(String field) {
        long at = pos;
        long len = u64(field + " length");
        if (len < 0 || len > size - pos) {
            throw new GgufFormatException(field, at, "string length " + Long.toUnsignedString(len) + " runs past end of file (file size " + size + ")");
        }
        if (len > Integer.MAX_VALUE - 8) throw new GgufFormatException(field, at, "string length " + len + " is too large");
        byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new GgufFormatException(field, at, "invalid UTF-8", e);
        }
    }

    private void need(String field, int n) {
        if (pos + n > size) {
            throw new GgufFormatException(field, pos, "truncated: needs " + n + " bytes, file ends at " + size);
        }
    }

    private byte u8(String field) {
        need(field, 1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16(String field) {
        need(field, 2);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    private int u32(String field) {
        need(field, 4);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u64(String field) {
        need(field, 8);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    private float f32(String field) {
        need(field, 4);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    private double f64(String field) {
        need(field, 8);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }
}
