package dev.jmoe.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file, streaming: declare metadata and tensors, then feed each tensor's bytes in declaration order,
 * in chunks of any size. Tensor data is aligned to {@code general.alignment} (default 32) and padded with zeros, as
 * llama.cpp's writer does, so re-writing a file read by {@link GgufFile} reproduces it byte for byte.
 *
 * <p>The file is written to a temporary sibling and moved into place by {@link #close()} only when complete; a writer
 * that fails or is closed early leaves no partial file behind.
 */
public final class GgufWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private int alignment = 32;
    private long nextOffset;
    private int current = -1; // tensor being written, -1 before the data section
    private long remaining;
    private boolean failed;
    private boolean done;

    public GgufWriter(Path target) {
        this.target = target;
        this.tmp = target.resolveSibling(target.getFileName() + ".tmp");
    }

    public GgufWriter put(String key, GgufValue value) {
        requireHeaderOpen();
        if (key.equals("general.alignment")) {
            long a = (Long) value.value();
            if (value.type() != GgufValueType.UINT32 || a <= 0 || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException("general.alignment must be a UINT32 power of two");
            }
            if (!tensors.isEmpty()) throw new IllegalStateException("set general.alignment before adding tensors");
            alignment = (int) a;
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(GgufMetadata md) {
        md.asMap().forEach(this::put);
        return this;
    }

    public GgufWriter putString(String key, String v) {
        return put(key, GgufValue.ofString(v));
    }

    public GgufWriter putUInt32(String key, long v) {
        return put(key, GgufValue.ofUInt32(v));
    }

    public GgufWriter putFloat32(String key, float v) {
        return put(key, GgufValue.ofFloat32(v));
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValue.ofBool(v));
    }

    /** Declares a tensor; its data must later be written in declaration order. Returns its table entry. */
    public TensorInfo addTensor(String name, GgmlType type, long... dims) {
        requireHeaderOpen();
        if (!names.add(name)) throw new IllegalArgumentException("duplicate tensor name " + name);
        if (dims.length < 1 || dims.length > GgufReader.MAX_DIMS) throw new IllegalArgumentException(name + ": 1..4 dims");
        if (dims[0] % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        TensorInfo t = new TensorInfo(name, dims, type, nextOffset);
        nextOffset = GgufReader.alignUp(nextOffset + t.byteSize(), alignment);
        tensors.add(t);
        return t;
    }

    public List<TensorInfo> tensors() {
        return List.copyOf(tensors);
    }

    /** Writes the header; afterwards only tensor data can be written. Called by the first data write if needed. */
    public void writeHeader() {
        requireHeaderOpen();
        try {
            Files.deleteIfExists(tmp);
            channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            putU32(GgufReader.MAGIC);
            putU32(3);
            putU64(tensors.size());
            putU64(metadata.size());
            for (var e : metadata.entrySet()) {
                putString(e.getKey());
                putU32(e.getValue().type().id);
                putValue(e.getValue().type(), e.getValue().value());
            }
            for (TensorInfo t : tensors) {
                putString(t.name());
                putU32(t.nDims());
                for (long d : t.dims()) putU64(d);
                putU32(t.type().id);
                putU64(t.offset());
            }
            if (!tensors.isEmpty()) pad(); // llama.cpp's files end right after the header when they hold no tensors
            current = 0;
            startTensor();
        } catch (IOException e) {
            fail();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the header (metadata and the full tensor table) and completes the file without any tensor data: a
     * header-only GGUF for the planner and {@code inspect} ({@link GgufFile#openHeader} reads it). {@link #close()}
     * afterwards does nothing more.
     */
    public void writeHeaderOnly() {
        writeHeader();
        try {
            flush();
            channel.force(false);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } catch (IOException e) {
            fail();
            throw new UncheckedIOException(e);
        }
    }

    /** Appends bytes to the current tensor (and the following ones once it is full). */
    public void write(MemorySegment bytes) {
        if (done) throw new IllegalStateException("the file was completed header-only");
        if (current < 0) writeHeader();
        try {
            long off = 0, n = bytes.byteSize();
            while (off < n) {
                if (current >= tensors.size()) throw new IllegalStateException("more tensor data than the tensors declared");
                int chunk = (int) Math.min(Math.min(remaining, n - off), buf.remaining());
                if (chunk == 0) {
                    flush();
                    continue;
                }
                // ofBuffer views [position, limit)
                MemorySegment.ofBuffer(buf).asSlice(0, chunk).copyFrom(bytes.asSlice(off, chunk));
                buf.position(buf.position() + chunk);
                off += chunk;
                remaining -= chunk;
                if (remaining == 0) {
                    pad();
                    current++;
                    startTensor();
                }
            }
        } catch (IOException e) {
            fail();
            throw new UncheckedIOException(e);
        }
    }

    public void write(byte[] bytes) {
        write(MemorySegment.ofArray(bytes));
    }

    /** Writes floats as little-endian F32 bytes. */
    public void write(float[] values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) s.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, values[i]);
        write(s);
    }

    /** Name of the tensor whose bytes the next write goes to, or null when all are complete. */
    public String currentTensor() {
        return current >= 0 && current < tensors.size() ? tensors.get(current).name() : null;
    }

    private void startTensor() throws IOException {
        while (current < tensors.size() && tensors.get(current).byteSize() == 0) current++;
        remaining = current < tensors.size() ? tensors.get(current).byteSize() : 0;
    }

    @Override
    public void close() {
        if (done) return;
        if (failed) {
            cleanup();
            return;
        }
        try {
            if (current < 0) writeHeader();
            if (current < tensors.size()) {
                String name = tensors.get(current).name();
                cleanup();
                throw new IllegalStateException("GGUF not written: tensor " + name + " and " + (tensors.size() - current - 1) + " after it have no data");
            }
            flush();
            channel.force(false);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            cleanup();
            throw new UncheckedIOException(e);
        }
    }

    private void fail() {
        failed = true;
        cleanup();
    }

    private void cleanup() {
        try {
            if (channel != null) channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: the target was never touched
        }
    }

    private void requireHeaderOpen() {
        if (current >= 0) throw new IllegalStateException("the header is already written");
    }

    private long written() throws IOException {
        return channel.position() + buf.position();
    }

    private void pad() throws IOException {
        long n = GgufReader.alignUp(written(), alignment) - written();
        for (long i = 0; i < n; i++) putU8((byte) 0);
    }

    private void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) channel.write(buf);
        buf.clear();
    }

    private void ensure(int n) throws IOException {
        if (buf.remaining() < n) flush();
    }

    private void putU8(byte v) throws IOException {
        ensure(1);
        buf.put(v);
    }

    private void putU32(int v) throws IOException {
        ensure(4);
        buf.putInt(v);
    }

    private void putU64(long v) throws IOException {
        ensure(8);
        buf.putLong(v);
    }

    private void putString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putU64(b.length);
        for (int off = 0; off < b.length; ) {
            ensure(1);
            int n = Math.min(buf.remaining(), b.length - off);
            buf.put(b, off, n);
            off += n;
        }
    }

    private void putValue(GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> putU8((byte) (long) (Long) v);
            case UINT16, INT16 -> {
                ensure(2);
                buf.putShort((short) (long) (Long) v);
            }
            case UINT32, INT32 -> putU32((int) (long) (Long) v);
            case UINT64, INT64 -> putU64((Long) v);
            case FLOAT32 -> putU32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> putU64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> putU8((byte) ((Boolean) v ? 1 : 0));
            case STRING -> putString((String) v);
            case ARRAY -> {
                GgufValue.Array a = (GgufValue.Array) v;
                putU32(a.elementType().id);
                int n = a.length();
                putU64(n);
                for (int i = 0; i < n; i++) {
                    Object e = switch (a.data()) {
                        case long[] l -> l[i];
                        case float[] f -> f[i];
                        case double[] d -> d[i];
                        case boolean[] b -> b[i];
                        case Object[] o -> o[i];
                        default -> throw new IllegalArgumentException("bad array data " + a.data().getClass());
                    };
                    putValue(a.elementType(), e);
                }
            }
        }
    }
}
