package dev.jmoe.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a GGUF v2/v3 header from a {@link MemorySegment}.
 *
 * <p>Guarantees, for any bytes at all: the only exception is {@link GgufFormatException}, whose message names the
 * field being read ({@code tensor[3] "blk.0.attn_q.weight" dims[1]}) and the byte offset where it lies; every read is
 * bounds-checked; every count and length is checked against the bytes that remain <em>before</em> anything is
 * allocated for it, so what the parser allocates is proportional to the bytes it actually reads (an 8-byte length
 * can never make it allocate gigabytes), and it is capped in absolute terms at {@link #MEMORY_LIMIT} (for huge files,
 * where "bytes that remain" is no bound); every loop is bounded by such a count, so it cannot hang. Field names for
 * error messages are only built when an error is thrown, so parsing a 50,000-tensor header allocates little more
 * than the result.
 *
 * <p>What is rejected (besides truncation): a magic other than "GGUF"; versions other than 2 and 3 (v1 and
 * big-endian files with a message saying so); unknown metadata value types; arrays of arrays (llama.cpp's reader
 * rejects them too); bool bytes other than 0/1; empty or duplicate keys; a {@code general.alignment} that is not a
 * UINT32 power of two; duplicate tensor names; {@code n_dims} outside 1..4; dimensions ≥ 2^63; element counts or byte
 * sizes that overflow a long; unknown ggml type ids; row lengths that are not a whole number of blocks; offsets that
 * are not multiples of the alignment; tensors whose data overlap; with {@code checkData}, tensor data past the end of
 * the file. Unlike llama.cpp, tensors need not be stored in table order (only aligned and non-overlapping).
 */
final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    /** Smallest tensor-table entry: name length 8 + n_dims 4 + one dim 8 + type 4 + offset 8. */
    static final int MIN_TENSOR_INFO_BYTES = 32;
    /** Smallest metadata entry: key length 8 + type 4 + a one-byte value. */
    static final int MIN_KV_BYTES = 13;
    /**
     * Most memory a parsed header may occupy. Real headers need a few tens of MiB (a 256k-token vocabulary with its
     * merges); a corrupt count or length in a huge file must not be able to exhaust the heap.
     */
    static final long MEMORY_LIMIT = 512L << 20;
    /** Approximate memory of one String (object, array header) and one tensor-table entry (record, dims, indexes). */
    private static final long STRING_COST = 64, TENSOR_INFO_COST = 256;
    private static final String[] DIM_PARTS = {"dims[0]", "dims[1]", "dims[2]", "dims[3]"};
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Header(int version, GgufMetadata metadata, List<TensorInfo> tensors, int alignment, long dataOffset) {}

    private final MemorySegment seg;
    private final long size;
    private long pos;
    private long memory; // what the parsed header occupies, approximately: see charge()

    // What is being read, to name it in an error. The name is assembled only when an error is thrown.
    private String section;
    private long item = -1;
    private String itemName;

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
            throw error("magic", 0, String.format("not a GGUF file (first bytes %s, expected \"GGUF\")", printable(magic)));
        }
        long vpos = pos;
        int version = u32("version");
        checkVersion(version, vpos);
        long tpos = pos;
        long nTensors = u64("tensor_count");
        long kpos = pos;
        long nKv = u64("metadata_kv_count");
        checkCount("metadata_kv_count", kpos, nKv, MIN_KV_BYTES);
        checkCount("tensor_count", tpos, nTensors, MIN_TENSOR_INFO_BYTES);

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        Map<String, Long> keyPos = new HashMap<>();
        section = "metadata";
        for (long i = 0; i < nKv; i++) {
            item = i;
            itemName = null;
            long at = pos;
            String key = string("key", -1);
            if (key.isEmpty()) throw error("key", at, "empty key");
            itemName = key;
            if (kv.containsKey(key)) {
                throw error("key", at, "duplicate metadata key (first at offset " + keyPos.get(key) + ")");
            }
            GgufValueType type = valueType("type");
            kv.put(key, value(type));
            keyPos.put(key, at);
        }
        int alignment = alignment(kv, keyPos);
        GgufMetadata metadata = new GgufMetadata(kv);

        int n = (int) nTensors;
        // nothing is sized by the claimed count: a count can pass the bytes-left check of a huge file and still be
        // wrong, so the structures grow with what is actually read
        List<TensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long[] offsetPos = new long[Math.min(n, 1024)];
        long totalElements = 0;
        section = "tensor";
        for (int i = 0; i < n; i++) {
            item = i;
            itemName = null;
            long at = pos;
            String name = string("name", -1);
            itemName = name;
            if (!names.add(name)) throw error("name", at, "duplicate tensor name");
            long dpos = pos;
            int nDims = u32("n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw error("n_dims", dpos, "must be 1.." + MAX_DIMS + ", found " + Integer.toUnsignedString(nDims));
            }
            long[] dims = new long[nDims];
            long count = 1;
            for (int d = 0; d < nDims; d++) {
                long ppos = pos;
                dims[d] = u64(DIM_PARTS[d]);
                if (dims[d] < 0) throw error("dims[" + d + "]", ppos, "dimension " + Long.toUnsignedString(dims[d]) + " is too large");
                count = multiplyOrNegative(count, dims[d]);
                if (count < 0) {
                    throw error("dims[" + d + "]", ppos, "element count overflows a 64-bit integer (dims " + Arrays.toString(Arrays.copyOf(dims, d + 1)) + ")");
                }
            }
            long typePos = pos;
            int typeId = u32("type");
            GgmlType type = GgmlType.byId(typeId).orElse(null);
            if (type == null) throw error("type", typePos, "unknown ggml type id " + Integer.toUnsignedString(typeId));
            if (dims[0] % type.blockSize != 0) {
                throw error("dims[0]", dpos + 4, "row length " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            if (count / type.blockSize > Long.MAX_VALUE / type.typeSize) {
                throw error("dims", dpos + 4, "byte size of " + count + " " + type + " values overflows a 64-bit integer");
            }
            long offPos = pos;
            long offset = u64("offset");
            if (offset < 0 || offset % alignment != 0) {
                throw error("offset", offPos, "offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            if (Long.MAX_VALUE - totalElements < count) {
                throw error("dims", dpos + 4, "the tensors' total element count overflows a 64-bit integer");
            }
            totalElements += count;
            charge(TENSOR_INFO_COST, "n_dims", -1, dpos);
            if (i == offsetPos.length) offsetPos = Arrays.copyOf(offsetPos, Math.min(n, 2 * i));
            offsetPos[i] = offPos;
            tensors.add(new TensorInfo(name, dims, type, offset));
        }

        section = null;
        item = -1;
        // as llama.cpp: the data section is aligned, but a file without tensors may end right after its header
        long dataOffset = n == 0 ? pos : alignUp(pos, alignment);
        checkTensorRanges(tensors, offsetPos, dataOffset, checkData);
        return new Header(version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private void checkVersion(int version, long at) {
        if (version == 2 || version == 3) return;
        String v = Integer.toUnsignedString(version);
        if (version == 0) throw error("version", at, "bad GGUF version 0");
        if (version == 1) throw error("version", at, "GGUF v1 is not supported (v2 and v3 are)");
        if ((version & 0xffff) == 0) {
            throw error("version", at, "GGUF version " + v + " (0x" + Integer.toHexString(version)
                    + ") looks byte-swapped: this is a big-endian GGUF, only little-endian files are supported");
        }
        throw error("version", at, "unsupported GGUF version " + v + " (v2 and v3 are supported)");
    }

    private int alignment(Map<String, GgufValue> kv, Map<String, Long> keyPos) {
        GgufValue al = kv.get("general.alignment");
        if (al == null) return 32;
        long at = keyPos.get("general.alignment") + 8 + "general.alignment".length() + 4; // the value's offset
        if (al.type() != GgufValueType.UINT32) {
            throw new GgufFormatException("general.alignment", at, "must be UINT32, found " + al.type());
        }
        long a = (Long) al.value();
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw new GgufFormatException("general.alignment", at, "must be a power of two (at most 2^30), found " + a);
        }
        return (int) a;
    }

    private void checkTensorRanges(List<TensorInfo> tensors, long[] offsetPos, long dataOffset, boolean checkData) {
        int n = tensors.size();
        // sort indices by offset (ties: table order) without boxing: offsets are < 2^63 and n < 2^31
        long[][] byOffset = new long[n][];
        for (int i = 0; i < n; i++) byOffset[i] = new long[]{tensors.get(i).offset(), i};
        Arrays.sort(byOffset, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long prevEnd = 0;
        int prev = -1;
        long available = Math.max(0, size - dataOffset);
        for (long[] e : byOffset) {
            int idx = (int) e[1];
            TensorInfo t = tensors.get(idx);
            section = "tensor";
            item = idx;
            itemName = t.name();
            long bytes = t.byteSize();
            if (Long.MAX_VALUE - t.offset() < bytes) throw error("offset", offsetPos[idx], "offset + size overflows a 64-bit integer");
            long end = t.offset() + bytes;
            if (bytes > 0 && t.offset() < prevEnd) {
                throw error("offset", offsetPos[idx], "data [" + t.offset() + ", " + end + ") overlaps tensor \""
                        + tensors.get(prev).name() + "\" whose data ends at " + prevEnd);
            }
            if (checkData && end > available) {
                throw error("offset", offsetPos[idx], "data [" + t.offset() + ", " + end + ") of the data section at " + dataOffset
                        + " runs past end of file (file size " + size + ", " + available + " data bytes)");
            }
            if (end > prevEnd) {
                prevEnd = end;
                prev = idx;
            }
        }
    }

    private GgufValue value(GgufValueType type) {
        long at = pos;
        return switch (type) {
            case UINT8 -> new GgufValue(type, (long) (u8("value") & 0xff));
            case INT8 -> new GgufValue(type, (long) u8("value"));
            case UINT16 -> new GgufValue(type, (long) (u16("value") & 0xffff));
            case INT16 -> new GgufValue(type, (long) u16("value"));
            case UINT32 -> new GgufValue(type, u32("value") & 0xffffffffL);
            case INT32 -> new GgufValue(type, (long) u32("value"));
            case UINT64, INT64 -> new GgufValue(type, u64("value"));
            case FLOAT32 -> new GgufValue(type, Float.intBitsToFloat(u32("value")));
            case FLOAT64 -> new GgufValue(type, Double.longBitsToDouble(u64("value")));
            case BOOL -> new GgufValue(type, bool(u8("value"), "value", -1, at));
            case STRING -> new GgufValue(type, string("value", -1));
            case ARRAY -> new GgufValue(type, array());
        };
    }

    private boolean bool(byte b, String part, long idx, long at) {
        if (b != 0 && b != 1) throw error(idx < 0 ? part : part + "[" + idx + "]", at, "bool must be 0 or 1, found " + (b & 0xff));
        return b == 1;
    }

    private GgufValue.Array array() {
        long tpos = pos;
        GgufValueType et = valueType("value element type");
        if (et == GgufValueType.ARRAY) {
            throw error("value element type", tpos, "arrays of arrays are not supported (llama.cpp rejects them too)");
        }
        long cpos = pos;
        long n = u64("value count");
        checkCount("value count", cpos, n, et.minSize());
        int len = (int) n;
        // fixed-size elements: checkCount proved that all of them are inside the segment
        switch (et) {
            case UINT8, INT8 -> {
                charge(8L * len, "value count", -1, cpos);
                long[] a = new long[len];
                for (int i = 0; i < len; i++, pos++) {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, pos);
                    a[i] = et == GgufValueType.UINT8 ? b & 0xff : b;
                }
                return new GgufValue.Array(et, a);
            }
            case UINT16, INT16 -> {
                charge(8L * len, "value count", -1, cpos);
                long[] a = new long[len];
                for (int i = 0; i < len; i++, pos += 2) {
                    short s = seg.get(I16, pos);
                    a[i] = et == GgufValueType.UINT16 ? s & 0xffff : s;
                }
                return new GgufValue.Array(et, a);
            }
            case UINT32, INT32 -> {
                charge(8L * len, "value count", -1, cpos);
                long[] a = new long[len];
                for (int i = 0; i < len; i++, pos += 4) {
                    int v = seg.get(I32, pos);
                    a[i] = et == GgufValueType.UINT32 ? v & 0xffffffffL : v;
                }
                return new GgufValue.Array(et, a);
            }
            case UINT64, INT64 -> {
                charge(8L * len, "value count", -1, cpos);
                long[] a = new long[len];
                for (int i = 0; i < len; i++, pos += 8) a[i] = seg.get(I64, pos);
                return new GgufValue.Array(et, a);
            }
            case FLOAT32 -> {
                charge(4L * len, "value count", -1, cpos);
                float[] a = new float[len];
                for (int i = 0; i < len; i++, pos += 4) a[i] = seg.get(F32, pos);
                return new GgufValue.Array(et, a);
            }
            case FLOAT64 -> {
                charge(8L * len, "value count", -1, cpos);
                double[] a = new double[len];
                for (int i = 0; i < len; i++, pos += 8) a[i] = seg.get(F64, pos);
                return new GgufValue.Array(et, a);
            }
            case BOOL -> {
                charge(1L * len, "value count", -1, cpos);
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++, pos++) a[i] = bool(seg.get(ValueLayout.JAVA_BYTE, pos), "value", i, pos);
                return new GgufValue.Array(et, a);
            }
            case STRING -> {
                charge(8L * len, "value count", -1, cpos);
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string("value", i);
                return new GgufValue.Array(et, a);
            }
            default -> throw new AssertionError(et);
        }
    }

    private GgufValueType valueType(String part) {
        long at = pos;
        int id = u32(part);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw error(part, at, "unknown metadata value type " + Integer.toUnsignedString(id));
        return t;
    }

    /**
     * Counts what the parsed header will occupy in memory and stops at {@link #MEMORY_LIMIT}: the bytes-left checks
     * bound memory by the file's size, which for a 400 GB model is no bound at all.
     */
    private void charge(long bytes, String part, long idx, long at) {
        memory += bytes;
        if (memory > MEMORY_LIMIT) {
            throw error(idx < 0 ? part : part + "[" + idx + "]", at, "the header would need more than " + (MEMORY_LIMIT >> 20) + " MiB of memory (metadata and tensor table)"
                    + " - far beyond any real model's; the file is corrupt");
        }
    }

    /** Checks that {@code count} items of at least {@code minBytes} each can fit in what remains of the segment. */
    private void checkCount(String part, long at, long count, int minBytes) {
        long remaining = size - pos;
        if (count < 0 || count > Integer.MAX_VALUE - 8 || count > remaining / minBytes) {
            throw error(part, at, "count " + Long.toUnsignedString(count) + " cannot fit in the " + remaining
                    + " bytes left (at least " + minBytes + " bytes each; file size " + size + ")");
        }
    }

    /** A string; {@code idx} ≥ 0 names an array element ({@code part[idx]}) in errors. */
    private String string(String part, long idx) {
        long at = pos;
        if (size - pos < 8) throw error(idx < 0 ? part : part + "[" + idx + "]", at, "truncated: needs 8 bytes for a string length, file ends at " + size);
        long len = seg.get(I64, pos);
        pos += 8;
        if (len < 0 || len > size - pos) {
            throw error(idx < 0 ? part : part + "[" + idx + "]", at, "string length " + Long.toUnsignedString(len)
                    + " runs past end of file (" + (size - pos) + " bytes left, file size " + size + ")");
        }
        if (len > Integer.MAX_VALUE - 8) throw error(idx < 0 ? part : part + "[" + idx + "]", at, "string length " + len + " is too large");
        charge(STRING_COST + 2 * len, part, idx, at);
        byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        return new String(b, StandardCharsets.UTF_8); // malformed UTF-8 becomes U+FFFD, as gguf-py's reader does
    }

    private void need(String part, int n) {
        if (size - pos < n) throw error(part, pos, "truncated: needs " + n + " bytes, file ends at " + size);
    }

    private byte u8(String part) {
        need(part, 1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16(String part) {
        need(part, 2);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    private int u32(String part) {
        need(part, 4);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u64(String part) {
        need(part, 8);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    private GgufFormatException error(String part, long at, String problem) {
        return new GgufFormatException(fieldName(part), at, problem);
    }

    /** e.g. {@code tensor[3] "blk.0.attn_q.weight" dims[1]}, {@code metadata[7] "general.name" value}, {@code magic}. */
    private String fieldName(String part) {
        if (section == null || item < 0) return part;
        StringBuilder sb = new StringBuilder(section).append('[').append(item).append(']');
        if (itemName != null) sb.append(" \"").append(abbreviate(itemName)).append('"');
        return sb.append(' ').append(part).toString();
    }

    private static String abbreviate(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (char c : t.toCharArray()) sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        return sb.toString();
    }

    private static String printable(int magic) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < 4; i++) {
            int c = (magic >>> (8 * i)) & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }

    /** a × b for non-negative a, b, or -1 when it overflows. */
    private static long multiplyOrNegative(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }
}
