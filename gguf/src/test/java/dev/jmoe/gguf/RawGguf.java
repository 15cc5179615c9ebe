package dev.jmoe.gguf;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Emits raw GGUF bytes field by field, with no validation, so tests can build any malformed file; records the byte
 * offset of every field it writes under a name ({@code "tensor_count"}, {@code "kv:general.name.value"},
 * {@code "tensor:a.dims[1]"}), so tests can assert that an error names the right offset.
 */
final class RawGguf {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    private final Map<String, Long> marks = new HashMap<>();

    /** Magic, version and the two counts. */
    static RawGguf header(int version, long nTensors, long nKv) {
        RawGguf r = new RawGguf();
        r.mark("magic").raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        r.mark("version").u32(version);
        r.mark("tensor_count").u64(nTensors);
        r.mark("metadata_kv_count").u64(nKv);
        return r;
    }

    RawGguf mark(String name) {
        marks.put(name, (long) buf.position());
        return this;
    }

    long at(String name) {
        Long p = marks.get(name);
        if (p == null) throw new IllegalArgumentException("no mark " + name + " in " + marks.keySet());
        return p;
    }

    long position() {
        return buf.position();
    }

    private void ensure(int n) {
        if (buf.remaining() < n) buf = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                .order(ByteOrder.LITTLE_ENDIAN).put(buf.flip());
    }

    RawGguf u8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    RawGguf u16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    RawGguf u32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    RawGguf u64(long v) {
        ensure(8);
        buf.putLong(v);
        return this;
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf raw(byte[] b) {
        ensure(b.length);
        buf.put(b);
        return this;
    }

    /** A GGUF string: u64 length, then the UTF-8 bytes. */
    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    /** Key and type of a metadata entry; marks {@code kv:KEY}, {@code kv:KEY.type}, {@code kv:KEY.value}. */
    RawGguf kvHead(String key, int typeId) {
        mark("kv:" + key).str(key);
        mark("kv:" + key + ".type").u32(typeId);
        return mark("kv:" + key + ".value");
    }

    RawGguf kvU32(String key, int v) {
        return kvHead(key, GgufValueType.UINT32.id).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return kvHead(key, GgufValueType.STRING.id).str(v);
    }

    /** Array header: element type and count (marks {@code kv:KEY.count}); the caller writes the elements. */
    RawGguf kvArray(String key, int elementTypeId, long count) {
        kvHead(key, GgufValueType.ARRAY.id).u32(elementTypeId);
        return mark("kv:" + key + ".count").u64(count);
    }

    /** A tensor-table entry; marks {@code tensor:NAME}, {@code .n_dims}, {@code .dims[i]}, {@code .type}, {@code .offset}. */
    RawGguf tensor(String name, int typeId, long offset, long... dims) {
        String m = "tensor:" + name;
        mark(m).str(name);
        mark(m + ".n_dims").u32(dims.length);
        for (int i = 0; i < dims.length; i++) mark(m + ".dims[" + i + "]").u64(dims[i]);
        mark(m + ".type").u32(typeId);
        return mark(m + ".offset").u64(offset);
    }

    /** Zero padding up to a multiple of {@code alignment}; marks {@code data}. */
    RawGguf align(int alignment) {
        while (buf.position() % alignment != 0) u8(0);
        return mark("data");
    }

    RawGguf zeros(int n) {
        for (int i = 0; i < n; i++) u8(0);
        return this;
    }

    byte[] bytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }

    MemorySegment segment() {
        return MemorySegment.ofArray(bytes());
    }

    /**
     * A small valid file: 3 metadata entries (architecture, a u32, a string array) and two F32 tensors
     * {@code a} {4, 2} at 0 and {@code b} {8} at 32, data present.
     */
    static RawGguf valid(int version) {
        RawGguf r = header(version, 2, 3);
        r.kvString("general.architecture", "test");
        r.kvU32("test.block_count", 2);
        r.kvArray("tokenizer.ggml.tokens", GgufValueType.STRING.id, 2).str("hi").str("yo");
        r.tensor("a", GgmlType.F32.id, 0, 4, 2);
        r.tensor("b", GgmlType.F32.id, 32, 8);
        r.align(32);
        for (int i = 0; i < 16; i++) r.f32(i);
        return r;
    }
}
