package dev.jmoe.cli;

/** Element type of the KV cache ({@code --cache-type}), as llama.cpp's {@code -ctk/-ctv} names them. */
public enum CacheType {
    F32, F16;

    /** The llama.cpp spelling: {@code f32}, {@code f16}. */
    public String llamaName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static CacheType parse(String s) {
        for (CacheType t : values()) if (t.llamaName().equalsIgnoreCase(s)) return t;
        throw new IllegalArgumentException("unknown --cache-type '" + s + "': use f32 or f16 (a Q8_0 KV cache is not implemented yet)");
    }
}
