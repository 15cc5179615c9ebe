package dev.jmoe.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * GGUF key/value metadata in file order, with typed accessors. A missing key or a value of another type raises
 * an exception that names the key, the expected and the actual type.
 */
public final class GgufMetadata {
    private final Map<String, GgufValue> values;

    public GgufMetadata(Map<String, GgufValue> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public GgufValue get(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw new NoSuchElementException("GGUF metadata key '" + key + "' is absent");
        return v;
    }

    /** {@code general.architecture}, e.g. {@code deepseek2} or {@code llama}. */
    public String architecture() {
        return getString("general.architecture");
    }

    public String getString(String key) {
        return (String) expect(key, GgufValueType.STRING).value();
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    public long getLong(String key) {
        GgufValue v = get(key);
        if (!v.type().isInteger()) throw wrongType(key, "an integer", v);
        return (Long) v.value();
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) throw new IllegalArgumentException("GGUF metadata key '" + key + "' = " + v + " does not fit an int");
        return (int) v;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    /** A FLOAT32 or FLOAT64 value (integers are accepted too: some converters write whole numbers as ints). */
    public double getDouble(String key) {
        GgufValue v = get(key);
        return switch (v.value()) {
            case Float f -> f;
            case Double d -> d;
            case Long l when v.type().isInteger() -> l;
            default -> throw wrongType(key, "a number", v);
        };
    }

    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public float getFloat(String key, float dflt) {
        return has(key) ? getFloat(key) : dflt;
    }

    public boolean getBool(String key) {
        return (Boolean) expect(key, GgufValueType.BOOL).value();
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    public GgufValue.Array getArray(String key) {
        return (GgufValue.Array) expect(key, GgufValueType.ARRAY).value();
    }

    public String[] getStringArray(String key) {
        return (String[]) arrayOf(key, GgufValueType.STRING).data();
    }

    public float[] getFloatArray(String key) {
        GgufValue.Array a = getArray(key);
        if (a.data() instanceof float[] f) return f.clone();
        if (a.data() instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        throw new IllegalArgumentException("GGUF metadata key '" + key + "' is an array of " + a.elementType() + ", expected floats");
    }

    public int[] getIntArray(String key) {
        long[] l = getLongArray(key);
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] != (int) l[i]) throw new IllegalArgumentException("GGUF metadata key '" + key + "'[" + i + "] = " + l[i] + " does not fit an int");
            r[i] = (int) l[i];
        }
        return r;
    }

    public long[] getLongArray(String key) {
        GgufValue.Array a = getArray(key);
        if (!a.elementType().isInteger()) {
            throw new IllegalArgumentException("GGUF metadata key '" + key + "' is an array of " + a.elementType() + ", expected integers");
        }
        return ((long[]) a.data()).clone();
    }

    private GgufValue.Array arrayOf(String key, GgufValueType element) {
        GgufValue.Array a = getArray(key);
        if (a.elementType() != element) {
            throw new IllegalArgumentException("GGUF metadata key '" + key + "' is an array of " + a.elementType() + ", expected " + element);
        }
        return a;
    }

    private GgufValue expect(String key, GgufValueType type) {
        GgufValue v = get(key);
        if (v.type() != type) throw wrongType(key, type.toString(), v);
        return v;
    }

    private static IllegalArgumentException wrongType(String key, String expected, GgufValue v) {
        return new IllegalArgumentException("GGUF metadata key '" + key + "' is " + v.type() + ", expected " + expected);
    }
}
