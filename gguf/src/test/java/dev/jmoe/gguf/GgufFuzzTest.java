package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based robustness: valid GGUF files, mutated (bit flips, u64 overwrites of header fields, insertions,
 * deletions) and truncated, either parse or raise GgufFormatException — never another exception, never an
 * OutOfMemoryError, never a slow parse — and what the parser allocates stays proportional to the bytes it was given.
 * 12,000 cases in all; each parses a few kilobytes in memory.
 */
class GgufFuzzTest {
    /** Bytes the parser may allocate per input byte, plus a fixed allowance: a proportional bound, far below what
     *  one bogus 64-bit count or length would cost if it were trusted. */
    private static final long ALLOC_PER_BYTE = 64;
    private static final long ALLOC_FIXED = 1 << 20;

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Complete small files written by GgufWriter, parsed with the data check. */
    private static final List<Seed> FILES = List.of(seed(writeSmall(false)), seed(writeSmall(true)), seed(writeMany()));
    /** Header regions (no data): a shared model's when present, else a written one; parsed header-only. */
    private static final List<Seed> HEADERS = sharedHeaders();

    record Seed(byte[] bytes, int[] fields) {}

    sealed interface Mutation {
        byte[] apply(Seed s, byte[] b);
    }

    record Flip(int at, int bit) implements Mutation {
        public byte[] apply(Seed s, byte[] b) {
            if (b.length > 0) b[at % b.length] ^= (byte) (1 << bit);
            return b;
        }
    }

    /** Overwrites 8 bytes at one of the seed's header field offsets (counts, lengths, dims, offsets, types). */
    record Overwrite(int field, long value) implements Mutation {
        public byte[] apply(Seed s, byte[] b) {
            int at = s.fields()[field % s.fields().length];
            for (int i = 0; i < 8 && at + i < b.length; i++) b[at + i] = (byte) (value >>> (8 * i));
            return b;
        }
    }

    record Insert(int at, byte[] bytes) implements Mutation {
        public byte[] apply(Seed s, byte[] b) {
            int p = at % (b.length + 1);
            byte[] r = new byte[b.length + bytes.length];
            System.arraycopy(b, 0, r, 0, p);
            System.arraycopy(bytes, 0, r, p, bytes.length);
            System.arraycopy(b, p, r, p + bytes.length, b.length - p);
            return r;
        }
    }

    record Delete(int at, int length) implements Mutation {
        public byte[] apply(Seed s, byte[] b) {
            if (b.length == 0) return b;
            int p = at % b.length;
            int n = Math.min(length, b.length - p);
            byte[] r = new byte[b.length - n];
            System.arraycopy(b, 0, r, 0, p);
            System.arraycopy(b, p + n, r, p, b.length - p - n);
            return r;
        }
    }

    @Property(tries = 5000, shrinking = ShrinkingMode.BOUNDED)
    void mutatedSmallFilesParseOrFailCleanly(@ForAll @IntRange(min = 0, max = 2) int seed, @ForAll("mutations") List<Mutation> ms) {
        Seed s = FILES.get(seed);
        check(mutate(s, ms), false);
    }

    @Property(tries = 2500, shrinking = ShrinkingMode.BOUNDED)
    void headerFieldsOverwrittenWithHostileValues(@ForAll @IntRange(min = 0, max = 2) int seed, @ForAll("overwrites") List<Mutation> ms,
                                                  @ForAll boolean headerOnly) {
        Seed s = FILES.get(seed);
        check(mutate(s, ms), headerOnly);
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    void truncatedFilesFailCleanly(@ForAll @IntRange(min = 0, max = 2) int seed, @ForAll @IntRange(min = 0, max = 1 << 20) int cut,
                                   @ForAll boolean headerOnly, @ForAll("mutations") List<Mutation> ms) {
        Seed s = FILES.get(seed);
        byte[] b = mutate(s, ms);
        check(Arrays.copyOf(b, cut % (b.length + 1)), headerOnly);
    }

    @Property(tries = 3000, shrinking = ShrinkingMode.BOUNDED)
    void mutatedModelHeadersParseOrFailCleanly(@ForAll @IntRange(min = 0, max = 1) int seed, @ForAll("mutations") List<Mutation> ms,
                                              @ForAll @IntRange(min = 0, max = 1 << 20) int cut, @ForAll boolean truncate) {
        Seed s = HEADERS.get(seed % HEADERS.size());
        byte[] b = mutate(s, ms);
        check(truncate ? Arrays.copyOf(b, cut % (b.length + 1)) : b, true);
    }

    @Example
    void seedsThemselvesParse() {
        for (Seed s : FILES) assertThat(GgufFile.parse(MemorySegment.ofArray(s.bytes())).tensors()).isNotEmpty();
        for (Seed s : HEADERS) assertThat(GgufFile.parseHeader(MemorySegment.ofArray(s.bytes())).tensors()).isNotEmpty();
        assertThat(HEADERS).hasSize(2);
    }

    @Example
    void hostileCountsInATinyFileAllocateLittle() {
        // 40 bytes claiming 2^31-9 metadata entries: rejected before anything is allocated for them
        RawGguf r = RawGguf.header(3, 0, Integer.MAX_VALUE - 9).zeros(16);
        check(r.bytes(), true);
        // an array claiming 2^30 UINT8 values with 100 bytes behind it
        r = RawGguf.header(3, 0, 1).kvArray("a", GgufValueType.UINT8.id, 1 << 30).zeros(100);
        check(r.bytes(), true);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> flip = Combinators.combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().between(0, 7)).as(Flip::new);
        Arbitrary<Mutation> insert = Combinators.combine(Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16)).as(Insert::new);
        Arbitrary<Mutation> delete = Combinators.combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().between(1, 64)).as(Delete::new);
        Arbitrary<Mutation> any = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, flip), net.jqwik.api.Tuple.of(3, overwrite()),
                net.jqwik.api.Tuple.of(1, insert), net.jqwik.api.Tuple.of(1, delete));
        return any.list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Mutation>> overwrites() {
        return overwrite().list().ofMinSize(1).ofMaxSize(3);
    }

    private Arbitrary<Mutation> overwrite() {
        Arbitrary<Long> hostile = Arbitraries.of(0L, 1L, 2L, 3L, 4L, 5L, 9L, 13L, 31L, 32L, 33L, 255L, 0xffffL, 0x7fffffffL, 0x80000000L,
                0xffffffffL, 1L << 32, (1L << 32) + 1, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L, -32L);
        Arbitrary<Long> values = Arbitraries.oneOf(hostile, Arbitraries.longs(), Arbitraries.longs().between(0, 100_000));
        return Combinators.combine(Arbitraries.integers().greaterOrEqual(0), values).as(Overwrite::new);
    }

    private static byte[] mutate(Seed s, List<Mutation> ms) {
        byte[] b = s.bytes().clone();
        for (Mutation m : ms) b = m.apply(s, b);
        return b;
    }

    /** Parses; success and GgufFormatException are fine, anything else fails the property (jqwik reports it). */
    private static void check(byte[] bytes, boolean headerOnly) {
        MemorySegment seg = MemorySegment.ofArray(bytes);
        long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        try {
            GgufFile f = headerOnly ? GgufFile.parseHeader(seg) : GgufFile.parse(seg);
            // what was accepted must be self-consistent
            assertThat(f.dataOffset()).isLessThanOrEqualTo(bytes.length + (long) f.alignment());
            if (!headerOnly) {
                for (TensorInfo t : f.tensors()) assertThat(f.data(t).byteSize()).isEqualTo(t.byteSize());
            }
            assertThat(f.tensorBytes()).isNotNegative();
        } catch (GgufFormatException e) {
            assertThat(e.getMessage()).startsWith(e.field() + ": ").endsWith("(offset " + e.offset() + ")");
            assertThat(e.offset()).isBetween(0L, (long) bytes.length);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(allocated).as("bytes allocated parsing %d bytes", bytes.length).isLessThanOrEqualTo(ALLOC_PER_BYTE * bytes.length + ALLOC_FIXED);
        assertThat(millis).as("parse time of %d bytes", bytes.length).isLessThan(2000);
    }

    private static Seed seed(byte[] b) {
        return new Seed(b, GgufFieldWalker.fieldOffsets(b));
    }

    /** ~1.5 KB: every scalar type, string/int/float/bool arrays, F32, Q8_0 and Q4_K tensors. */
    private static byte[] writeSmall(boolean align64) {
        return write(w -> {
            if (align64) w.putUInt32("general.alignment", 64);
            w.putString("general.architecture", "llama").putUInt32("llama.block_count", 2).putFloat32("llama.rope.freq_base", 10000f)
                    .putBool("flag", true).put("i64", GgufValue.ofUInt64(-5)).put("u8", new GgufValue(GgufValueType.UINT8, 7L))
                    .put("tokenizer.ggml.tokens", GgufValue.ofStrings("<s>", "</s>", "a", "bb", "ccc"))
                    .put("tokenizer.ggml.scores", GgufValue.ofFloats(0f, 1f, 2f, 3f, 4f))
                    .put("tokenizer.ggml.token_type", GgufValue.ofInt32s(1, 3, 1, 1, 1))
                    .put("bools", new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.BOOL, new boolean[]{true, false})));
            w.addTensor("token_embd.weight", GgmlType.F32, 8, 5);
            w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, 32, 2);
            w.addTensor("blk.0.ffn_up.weight", GgmlType.Q4_K, 256, 1);
        });
    }

    /** 40 small tensors, little metadata. */
    private static byte[] writeMany() {
        return write(w -> {
            w.putString("general.architecture", "deepseek2");
            for (int i = 0; i < 40; i++) w.addTensor("blk." + i + ".w", i % 2 == 0 ? GgmlType.F16 : GgmlType.I8, 4, 1 + i % 3);
        });
    }

    private static byte[] write(java.util.function.Consumer<GgufWriter> body) {
        try {
            Path dir = Files.createTempDirectory("gguf-fuzz");
            Path p = dir.resolve("seed.gguf");
            try (GgufWriter w = new GgufWriter(p)) {
                body.accept(w);
                for (TensorInfo t : w.tensors()) {
                    byte[] data = new byte[(int) t.byteSize()];
                    for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + t.name().length());
                    w.write(data);
                }
            }
            byte[] b = Files.readAllBytes(p);
            Files.delete(p);
            Files.delete(dir);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Seed> sharedHeaders() {
        Path[] models = {SharedModels.dir().resolve("dsv3-tiny-Q2_K.gguf"), SharedModels.dir().resolve("stories260K.gguf")};
        Seed[] seeds = new Seed[2];
        for (int i = 0; i < 2; i++) {
            byte[] header;
            if (Files.isRegularFile(models[i])) {
                try (GgufFile f = GgufFile.openHeader(models[i])) {
                    header = f.segment().asSlice(0, f.dataOffset()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                }
            } else { // shared models absent: the header region of a written file keeps the case count
                byte[] full = i == 0 ? writeSmall(false) : writeMany();
                header = Arrays.copyOf(full, (int) GgufFile.parse(MemorySegment.ofArray(full)).dataOffset());
            }
            seeds[i] = seed(header);
        }
        return List.of(seeds);
    }
}
