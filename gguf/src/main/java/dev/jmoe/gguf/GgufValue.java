package dev.jmoe.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value with its exact GGUF type, so a file can be written back byte for byte.
 *
 * <p>Representation of {@link #value()}: every integer type as {@link Long} (unsigned types hold their unsigned
 * value; UINT64 above 2^63 wraps, as Java longs do), FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String}, ARRAY as {@link Array}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
    }

    /**
     * An array value. {@code data} is a {@code long[]} for integer element types, {@code float[]} for FLOAT32,
     * {@code double[]} for FLOAT64, {@code boolean[]} for BOOL, {@code String[]} for STRING. Arrays of arrays are not
     * part of what llama.cpp reads or writes: the reader rejects them and the writer refuses them.
     */
    public record Array(GgufValueType elementType, Object data) {
        public int length() {
            return java.lang.reflect.Array.getLength(data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Array a && a.elementType == elementType && Arrays.deepEquals(new Object[]{data}, new Object[]{a.data});
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[]{data});
        }

        @Override
        public String toString() {
            return "Array[" + elementType + " x " + length() + "]";
        }
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUInt32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, (long) v);
    }

    public static GgufValue ofUInt64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofStrings(String... v) {
        return new GgufValue(GgufValueType.ARRAY, new Array(GgufValueType.STRING, v));
    }

    public static GgufValue ofFloats(float... v) {
        return new GgufValue(GgufValueType.ARRAY, new Array(GgufValueType.FLOAT32, v));
    }

    /** An array of INT32 (what llama.cpp uses for token types). */
    public static GgufValue ofInt32s(int... v) {
        return new GgufValue(GgufValueType.ARRAY, new Array(GgufValueType.INT32, Arrays.stream(v).asLongStream().toArray()));
    }

    /** Human-readable form; arrays longer than {@code maxItems} are abbreviated. */
    public String format(int maxItems) {
        if (!(value instanceof Array a)) {
            return type == GgufValueType.STRING ? '"' + value.toString() + '"' : value.toString();
        }
        int n = a.length();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxItems); i++) {
            if (i > 0) sb.append(", ");
            Object e = java.lang.reflect.Array.get(a.data(), i);
            sb.append(e instanceof String s ? '"' + s + '"' : e instanceof Array x ? x.toString() : String.valueOf(e));
        }
        if (n > maxItems) sb.append(", ... (").append(n).append(' ').append(a.elementType()).append(" values)");
        return sb.append(']').toString();
    }
}
