package dev.jmoe.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * An open GGUF file: header parsed, data section memory-mapped (zero copies; files far above 2 GB work).
 *
 * <p>{@link #open} maps the file and checks that every tensor's data lies inside it. {@link #openHeader} parses the
 * header only and does not require the data to be present — for the planner and {@code inspect} on huge files and on
 * header-only synthetic files. Close the file to unmap it; segments obtained from it are invalid afterwards.
 *
 * <p>A malformed file raises {@link GgufFormatException} (field name and byte offset in the message, file appended),
 * whatever its bytes; a file that cannot be read raises {@link UncheckedIOException} with a one-line message. See
 * {@code GgufReader} for the exact list of what is checked.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final GgufReader.Header header;
    private final boolean headerOnly;
    private final Map<String, TensorInfo> byName = new LinkedHashMap<>();

    private GgufFile(Path path, Arena arena, MemorySegment segment, GgufReader.Header header, boolean headerOnly) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.header = header;
        this.headerOnly = headerOnly;
        for (TensorInfo t : header.tensors()) byName.put(t.name(), t);
    }

    /** Maps the whole file and validates header and tensor data ranges. */
    public static GgufFile open(Path path) {
        return open(path, false);
    }

    /** Parses the header only; tensor data may be absent (header-only files) and cannot be read. */
    public static GgufFile openHeader(Path path) {
        return open(path, true);
    }

    private static GgufFile open(Path path, boolean headerOnly) {
        if (Files.isDirectory(path)) throw new UncheckedIOException(path + " is a directory, not a GGUF file", new IOException("is a directory"));
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.size() == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufReader.Header h = GgufReader.parse(seg, !headerOnly);
            return new GgufFile(path, arena, seg, h, headerOnly);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new UncheckedIOException(path + ": no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            arena.close();
            throw new UncheckedIOException(path + ": permission denied", e);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            if (e instanceof GgufFormatException g) throw g.inFile(path);
            throw e;
        }
    }

    /**
     * Parses GGUF bytes already in memory (tests, fuzzing) and checks that every tensor's data lies inside them; the
     * segment must stay alive while the result is used. Malformed bytes raise only {@link GgufFormatException}.
     */
    public static GgufFile parse(MemorySegment bytes) {
        return new GgufFile(null, null, bytes, GgufReader.parse(bytes, true), false);
    }

    /** Like {@link #parse} for a header alone: the bytes may end anywhere after the tensor table. */
    public static GgufFile parseHeader(MemorySegment bytes) {
        return new GgufFile(null, null, bytes, GgufReader.parse(bytes, false), true);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<TensorInfo> findTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw new NoSuchElementException("tensor '" + name + "' is not in " + (path == null ? "the file" : path));
        return t;
    }

    public int alignment() {
        return header.alignment();
    }

    /** File offset where the data section starts. */
    public long dataOffset() {
        return header.dataOffset();
    }

    public long fileSize() {
        return segment.byteSize();
    }

    public boolean isHeaderOnly() {
        return headerOnly;
    }

    /** Total bytes of all tensors as the tensor table describes them. */
    public long tensorBytes() {
        long n = 0;
        for (TensorInfo t : tensors()) n += t.byteSize();
        return n;
    }

    /** The tensor's bytes, in place in the mapping (no copy). */
    public MemorySegment data(TensorInfo t) {
        if (headerOnly) throw new IllegalStateException("opened header-only: tensor data of " + t.name() + " is not mapped");
        return segment.asSlice(header.dataOffset() + t.offset(), t.byteSize());
    }

    public MemorySegment data(String name) {
        return data(tensor(name));
    }

    /** The whole mapped file. */
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
