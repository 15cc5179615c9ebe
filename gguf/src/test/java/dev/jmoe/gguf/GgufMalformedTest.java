package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hand-built malformed files: each must raise GgufFormatException naming the field and its byte offset. */
class GgufMalformedTest {
    private static final int F32 = GgmlType.F32.id;
    private static final int STRING = GgufValueType.STRING.id;

    /** Parses (with the data check unless headerOnly) and returns the error, asserting field, offset and problem. */
    private static GgufFormatException fails(byte[] bytes, boolean headerOnly, String field, long offset, String problem) {
        MemorySegment seg = MemorySegment.ofArray(bytes);
        GgufFormatException e = catchThrowableOfType(GgufFormatException.class,
                () -> { if (headerOnly) GgufFile.parseHeader(seg); else GgufFile.parse(seg); });
        assertThat(e).as("expected a GgufFormatException about " + field).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.offset()).as("offset of " + field).isEqualTo(offset);
        assertThat(e.getMessage()).startsWith(field + ": ").contains(problem).endsWith("(offset " + offset + ")");
        return e;
    }

    private static GgufFormatException fails(RawGguf r, String field, long offset, String problem) {
        return fails(r.bytes(), false, field, offset, problem);
    }

    @Test
    void validFileReads() {
        for (int version : new int[]{2, 3}) {
            GgufFile f = GgufFile.parse(RawGguf.valid(version).segment());
            assertThat(f.version()).isEqualTo(version);
            assertThat(f.metadata().architecture()).isEqualTo("test");
            assertThat(f.metadata().getInt("test.block_count")).isEqualTo(2);
            assertThat(f.metadata().getStringArray("tokenizer.ggml.tokens")).containsExactly("hi", "yo");
            assertThat(f.tensor("a").dims()).containsExactly(4, 2);
            assertThat(f.dataOffset()).isEqualTo(RawGguf.valid(version).at("data"));
            assertThat(f.data("b").getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 7)).isEqualTo(15f);
        }
    }

    @Test
    void v2FileWithEveryValueTypeReads() {
        RawGguf r = RawGguf.header(2, 1, 13);
        r.kvHead("u8", 0).u8(200).kvHead("i8", 1).u8(-3).kvHead("u16", 2).u16(60000).kvHead("i16", 3).u16(-2);
        r.kvHead("u32", 4).u32(-1).kvHead("i32", 5).u32(-5).kvHead("f32", 6).f32(1.5f).kvHead("bool", 7).u8(1);
        r.kvString("str", "héllo").kvHead("u64", 10).u64(-1).kvHead("i64", 11).u64(-7).kvHead("f64", 12).u64(Double.doubleToRawLongBits(2.25));
        r.kvArray("arr", GgufValueType.INT16.id, 3).u16(1).u16(-1).u16(7);
        r.tensor("t", GgmlType.Q8_0.id, 0, 32).align(32).zeros(34);
        GgufFile f = GgufFile.parse(r.segment());
        GgufMetadata m = f.metadata();
        assertThat(f.version()).isEqualTo(2);
        assertThat(m.getLong("u8")).isEqualTo(200);
        assertThat(m.getLong("i8")).isEqualTo(-3);
        assertThat(m.getLong("u16")).isEqualTo(60000);
        assertThat(m.getLong("i16")).isEqualTo(-2);
        assertThat(m.getLong("u32")).isEqualTo(4294967295L);
        assertThat(m.getLong("i32")).isEqualTo(-5);
        assertThat(m.getFloat("f32")).isEqualTo(1.5f);
        assertThat(m.getBool("bool")).isTrue();
        assertThat(m.getString("str")).isEqualTo("héllo");
        assertThat(m.getLong("u64")).isEqualTo(-1L);
        assertThat(m.getLong("i64")).isEqualTo(-7);
        assertThat(m.getDouble("f64")).isEqualTo(2.25);
        assertThat(m.getLongArray("arr")).containsExactly(1, -1, 7);
        assertThat(f.tensor("t").byteSize()).isEqualTo(34);
    }

    @Test
    void fileWithoutTensorsMayEndRightAfterItsHeader() {
        RawGguf r = RawGguf.header(3, 0, 1).kvString("general.architecture", "llama"); // 57 bytes, not padded
        GgufFile f = GgufFile.parse(r.segment());
        assertThat(f.tensors()).isEmpty();
        assertThat(f.dataOffset()).isEqualTo(r.position()).isEqualTo(f.fileSize());
    }

    @Test
    void badMagic() {
        byte[] b = RawGguf.valid(3).bytes();
        b[3] = 'L';
        fails(b, false, "magic", 0, "not a GGUF file (first bytes \"GGUL\"");
        fails(new byte[]{'G', 'G'}, false, "magic", 0, "truncated");
        fails(new byte[0], false, "magic", 0, "truncated");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 0x03000000, 0x02000000, 0x7fffffff, -1})
    void unsupportedVersions(int version) {
        RawGguf r = RawGguf.valid(version);
        String problem = switch (version) {
            case 0 -> "bad GGUF version 0";
            case 1 -> "GGUF v1 is not supported";
            case 0x03000000, 0x02000000 -> "big-endian";
            default -> "unsupported GGUF version " + Integer.toUnsignedString(version);
        };
        fails(r, "version", 4, problem);
    }

    @Test
    void bigEndianFileIsNamedAsSuch() {
        // a big-endian v3 writer stores the version as 00 00 00 03
        byte[] b = RawGguf.valid(3).bytes();
        b[4] = 0; b[5] = 0; b[6] = 0; b[7] = 3;
        fails(b, false, "version", 4, "looks byte-swapped: this is a big-endian GGUF");
    }

    @Test
    void truncatedAtEveryPointOfTheHeader() {
        RawGguf r = RawGguf.valid(3);
        byte[] full = r.bytes();
        long tableEnd = r.at("tensor:b.offset") + 8;
        for (int cut = 0; cut < tableEnd; cut++) {
            byte[] b = Arrays.copyOf(full, cut);
            int c = cut;
            assertThatThrownBy(() -> GgufFile.parseHeader(MemorySegment.ofArray(b))).as("cut at %d", cut)
                    .isInstanceOfSatisfying(GgufFormatException.class, e -> {
                        // the failing read starts at or before the cut, and the message names the field and offset
                        assertThat(e.offset()).isBetween(0L, (long) c);
                        assertThat(e.getMessage()).startsWith(e.field() + ": ").endsWith("(offset " + e.offset() + ")");
                        assertThat(e.getMessage()).containsAnyOf("truncated", "past end of file", "cannot fit");
                    });
        }
        // the header alone (no padding, no data) is a valid header-only file
        GgufFile h = GgufFile.parseHeader(MemorySegment.ofArray(Arrays.copyOf(full, (int) tableEnd)));
        assertThat(h.tensors()).hasSize(2);
        // and every cut inside the data section fails the data check on the tensor it cuts
        for (int cut = (int) tableEnd; cut < full.length; cut++) {
            byte[] b = Arrays.copyOf(full, cut);
            String victim = cut < r.at("data") + 32 ? "a" : "b";
            int index = victim.equals("a") ? 0 : 1;
            if (cut < r.at("data") + 32) {
                // a [0,32) is cut: the reader checks tensors in offset order, so a fails first
                fails(b, false, "tensor[0] \"a\" offset", r.at("tensor:a.offset"), "runs past end of file");
            } else {
                fails(b, false, "tensor[" + index + "] \"" + victim + "\" offset", r.at("tensor:b.offset"), "data [32, 64)");
            }
        }
    }

    @Test
    void precisePositionsOfTruncation() {
        RawGguf r = RawGguf.valid(3);
        byte[] full = r.bytes();
        fails(Arrays.copyOf(full, 10), true, "tensor_count", 8, "truncated: needs 8 bytes");
        fails(Arrays.copyOf(full, (int) r.at("kv:test.block_count.value") + 2), true,
                "metadata[1] \"test.block_count\" value", r.at("kv:test.block_count.value"), "truncated: needs 4 bytes");
        fails(Arrays.copyOf(full, (int) r.at("tensor:b.type") + 1), true,
                "tensor[1] \"b\" type", r.at("tensor:b.type"), "truncated");
    }

    @Test
    void countsPastEndOfFile() {
        RawGguf r = RawGguf.header(3, 0, 1L << 40);
        fails(r, "metadata_kv_count", 16, "count 1099511627776 cannot fit in the 0 bytes left");
        r = RawGguf.header(3, -1L, 0);
        fails(r, "tensor_count", 8, "count 18446744073709551615 cannot fit");
        // 1000 tensors need at least 32 000 bytes
        r = RawGguf.header(3, 1000, 0).zeros(31_000);
        fails(r, "tensor_count", 8, "cannot fit in the 31000 bytes left (at least 32 bytes each");
    }

    @Test
    void stringLengthsPastEndOfFile() {
        RawGguf r = RawGguf.header(3, 0, 1).u64(1L << 62).raw("key".getBytes()).zeros(10);
        fails(r, "metadata[0] key", 24, "string length 4611686018427387904 runs past end of file");
        r = RawGguf.header(3, 0, 1).u64(14).raw("key".getBytes()).zeros(10);
        fails(r, "metadata[0] key", 24, "string length 14 runs past end of file (13 bytes left");
        r = RawGguf.header(3, 0, 1).kvHead("general.name", STRING).u64(-2L).zeros(4);
        fails(r, "metadata[0] \"general.name\" value", r.at("kv:general.name.value"), "string length 18446744073709551614");
        r = RawGguf.header(3, 1, 0).u64(100).raw("abc".getBytes()).zeros(40);
        fails(r, "tensor[0] name", 24, "string length 100 runs past end of file");
    }

    @Test
    void arrayCountsAndElementsPastEndOfFile() {
        RawGguf r = RawGguf.header(3, 0, 1).kvArray("tokenizer.ggml.scores", GgufValueType.FLOAT32.id, 1L << 33).zeros(64);
        fails(r, "metadata[0] \"tokenizer.ggml.scores\" value count", r.at("kv:tokenizer.ggml.scores.count"), "count 8589934592 cannot fit in the 64 bytes left");
        r = RawGguf.header(3, 0, 1).kvArray("x", GgufValueType.UINT64.id, Long.MIN_VALUE);
        fails(r, "metadata[0] \"x\" value count", r.at("kv:x.count"), "count 9223372036854775808");
        // 17 strings cannot fit in 16 x 8 bytes
        r = RawGguf.header(3, 0, 1).kvArray("t", STRING, 17).zeros(128);
        fails(r, "metadata[0] \"t\" value count", r.at("kv:t.count"), "at least 8 bytes each");
        // the count fits, but the third string's length does not
        r = RawGguf.header(3, 0, 1).kvArray("t", STRING, 3).str("a").str("b");
        long third = r.position();
        r.u64(1000).zeros(20);
        fails(r, "metadata[0] \"t\" value[2]", third, "string length 1000 runs past end of file");
    }

    @Test
    void nestedArraysAreRejected() {
        RawGguf r = RawGguf.header(3, 0, 1).kvHead("nested", GgufValueType.ARRAY.id);
        long at = r.position();
        r.u32(GgufValueType.ARRAY.id).u64(1).u32(GgufValueType.UINT8.id).u64(1).u8(7);
        fails(r, "metadata[0] \"nested\" value element type", at, "arrays of arrays are not supported");
    }

    @ParameterizedTest
    @ValueSource(ints = {13, 99, -1})
    void unknownMetadataValueTypes(int type) {
        RawGguf r = RawGguf.header(3, 0, 1).kvHead("k", type).u32(0);
        fails(r, "metadata[0] \"k\" type", r.at("kv:k.type"), "unknown metadata value type " + Integer.toUnsignedString(type));
        r = RawGguf.header(3, 0, 1).kvArray("k", type, 1).u32(0);
        fails(r, "metadata[0] \"k\" value element type", r.at("kv:k.value"), "unknown metadata value type");
    }

    @Test
    void badBools() {
        RawGguf r = RawGguf.header(3, 0, 1).kvHead("b", GgufValueType.BOOL.id).u8(2);
        fails(r, "metadata[0] \"b\" value", r.at("kv:b.value"), "bool must be 0 or 1, found 2");
        r = RawGguf.header(3, 0, 1).kvArray("b", GgufValueType.BOOL.id, 3).u8(1).u8(0).u8(255);
        fails(r, "metadata[0] \"b\" value[2]", r.at("kv:b.count") + 10, "found 255");
    }

    @Test
    void emptyAndDuplicateKeys() {
        RawGguf r = RawGguf.header(3, 0, 1).kvU32("", 1);
        fails(r, "metadata[0] key", 24, "empty key");
        r = RawGguf.header(3, 0, 3).kvString("general.name", "a").kvU32("x", 1);
        long second = r.position();
        r.kvString("general.name", "b");
        fails(r, "metadata[2] \"general.name\" key", second, "duplicate metadata key (first at offset 24)");
    }

    @Test
    void duplicateTensorNames() {
        RawGguf r = RawGguf.header(3, 2, 0).tensor("w", F32, 0, 8);
        long second = r.position();
        r.tensor("w", F32, 32, 8).align(32).zeros(64);
        fails(r, "tensor[1] \"w\" name", second, "duplicate tensor name");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, -1})
    void badDimensionCounts(int nDims) {
        RawGguf r = RawGguf.header(3, 1, 0).str("w");
        long at = r.position();
        r.u32(nDims).u64(8).u64(1).u64(1).u64(1).u64(1).u32(F32).u64(0);
        fails(r, "tensor[0] \"w\" n_dims", at, "must be 1..4, found " + Integer.toUnsignedString(nDims));
    }

    @Test
    void dimensionsThatOverflow() {
        RawGguf r = RawGguf.header(3, 1, 0).tensor("w", F32, 0, 1L << 32, 1L << 32);
        fails(r.bytes(), true, "tensor[0] \"w\" dims[1]", r.at("tensor:w.dims[1]"), "element count overflows");
        r = RawGguf.header(3, 1, 0).tensor("w", F32, 0, 1 << 20, 1 << 20, 1 << 20, 1 << 20);
        fails(r.bytes(), true, "tensor[0] \"w\" dims[3]", r.at("tensor:w.dims[3]"), "element count overflows");
        r = RawGguf.header(3, 1, 0).tensor("w", F32, 0, -5L);
        fails(r.bytes(), true, "tensor[0] \"w\" dims[0]", r.at("tensor:w.dims[0]"), "dimension 18446744073709551611 is too large");
        // 2^62 F32 values: the element count fits, the byte size does not
        r = RawGguf.header(3, 1, 0).tensor("w", F32, 0, 1L << 31, 1L << 31);
        fails(r.bytes(), true, "tensor[0] \"w\" dims", r.at("tensor:w.dims[0]"), "byte size of 4611686018427387904 F32 values overflows");
        // two tensors of 2^62 I8 values each: each fits, the total element count does not
        r = RawGguf.header(3, 2, 0).tensor("p", GgmlType.I8.id, 0, 1L << 62).tensor("q", GgmlType.I8.id, 1L << 62, 1L << 62);
        fails(r.bytes(), true, "tensor[1] \"q\" dims", r.at("tensor:q.dims[0]"), "total element count overflows");
        // offset + size overflows
        r = RawGguf.header(3, 1, 0).tensor("w", GgmlType.I8.id, Long.MAX_VALUE - 31, 1L << 40);
        fails(r.bytes(), true, "tensor[0] \"w\" offset", r.at("tensor:w.offset"), "offset + size overflows");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 32, 33, 36, 40, 1000, -1})
    void unknownGgmlTypes(int type) {
        RawGguf r = RawGguf.header(3, 1, 0).tensor("w", type, 0, 32).align(32).zeros(256);
        fails(r, "tensor[0] \"w\" type", r.at("tensor:w.type"), "unknown ggml type id " + Integer.toUnsignedString(type));
    }

    @Test
    void rowLengthNotAWholeNumberOfBlocks() {
        RawGguf r = RawGguf.header(3, 1, 0).tensor("w", GgmlType.Q4_K.id, 0, 128, 2).align(32).zeros(512);
        fails(r, "tensor[0] \"w\" dims[0]", r.at("tensor:w.dims[0]"), "row length 128 is not a multiple of the Q4_K block size 256");
    }

    @Test
    void tensorDataPastEndOfFile() {
        RawGguf r = RawGguf.header(3, 2, 0).tensor("a", F32, 0, 8).tensor("b", F32, 64, 8).align(32).zeros(80);
        fails(r, "tensor[1] \"b\" offset", r.at("tensor:b.offset"), "data [64, 96) of the data section at " + r.at("data") + " runs past end of file");
        assertThat(GgufFile.parseHeader(r.segment()).tensors()).hasSize(2); // header-only: fine
    }

    @Test
    void overlappingTensors() {
        // b [32, 64) overlaps a [0, 64), declared in reverse order: the reader sorts by offset
        RawGguf r = RawGguf.header(3, 2, 0).tensor("b", F32, 32, 8).tensor("a", F32, 0, 16).align(32).zeros(128);
        fails(r, "tensor[0] \"b\" offset", r.at("tensor:b.offset"), "data [32, 64) overlaps tensor \"a\" whose data ends at 64");
        // same offset
        r = RawGguf.header(3, 2, 0).tensor("a", F32, 0, 8).tensor("b", F32, 0, 8).align(32).zeros(64);
        fails(r.bytes(), true, "tensor[1] \"b\" offset", r.at("tensor:b.offset"), "overlaps tensor \"a\"");
        // a big one swallowing two: the third still overlaps the first, not just its neighbour
        r = RawGguf.header(3, 3, 0).tensor("big", F32, 0, 64).tensor("s1", F32, 32, 8).tensor("s2", F32, 64, 8).align(32).zeros(256);
        fails(r.bytes(), true, "tensor[1] \"s1\" offset", r.at("tensor:s1.offset"), "overlaps tensor \"big\" whose data ends at 256");
    }

    @Test
    void zeroSizedTensorsMayShareAnOffset() {
        RawGguf r = RawGguf.header(3, 3, 0).tensor("e1", F32, 0, 0).tensor("e2", F32, 0, 0, 5).tensor("a", F32, 0, 8).align(32).zeros(32);
        assertThat(GgufFile.parse(r.segment()).tensors()).hasSize(3);
    }

    @Test
    void misalignedOffsets() {
        RawGguf r = RawGguf.header(3, 1, 0).tensor("w", F32, 16, 8).align(32).zeros(64);
        fails(r, "tensor[0] \"w\" offset", r.at("tensor:w.offset"), "offset 16 is not a multiple of the alignment 32");
        r = RawGguf.header(3, 1, 1).kvU32("general.alignment", 64).tensor("w", F32, 32, 8).align(64).zeros(128);
        fails(r, "tensor[0] \"w\" offset", r.at("tensor:w.offset"), "offset 32 is not a multiple of the alignment 64");
        r = RawGguf.header(3, 1, 0).tensor("w", F32, -32L, 8);
        fails(r.bytes(), true, "tensor[0] \"w\" offset", r.at("tensor:w.offset"), "offset 18446744073709551584 is not a multiple");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 48, -2147483648, 1 << 31 >>> 1 << 1})
    void badAlignmentValues(int alignment) {
        RawGguf r = RawGguf.header(3, 0, 1).kvU32("general.alignment", alignment);
        fails(r, "general.alignment", r.at("kv:general.alignment.value"), "must be a power of two");
    }

    @Test
    void alignmentOfTheWrongType() {
        RawGguf r = RawGguf.header(3, 0, 1).kvHead("general.alignment", GgufValueType.UINT64.id).u64(32);
        fails(r, "general.alignment", r.at("kv:general.alignment.value"), "must be UINT32, found UINT64");
    }

    @Test
    void customAlignmentIsHonoured() {
        RawGguf r = RawGguf.header(3, 2, 1).kvU32("general.alignment", 64).tensor("a", F32, 0, 8).tensor("b", F32, 64, 8).align(64).zeros(96);
        GgufFile f = GgufFile.parse(r.segment());
        assertThat(f.alignment()).isEqualTo(64);
        assertThat(f.dataOffset()).isEqualTo(r.at("data")).isEqualTo(128);
    }

    @Test
    void controlCharactersInNamesAreNotPrintedRaw() {
        RawGguf r = RawGguf.header(3, 0, 1).kvHead("a\nb", 77);
        GgufFormatException e = fails(r, "metadata[0] \"a?b\" type", r.at("kv:a\nb.type"), "unknown metadata value type 77");
        assertThat(e.getMessage()).doesNotContain("\n");
    }

    @Test
    void hugeFileWithACorruptArrayCountFailsInsteadOfExhaustingTheHeap(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        // a sparse 1 GiB file (no disk used) whose header claims 2^29 UINT8 values: the bytes are there, but as a
        // long[] they would take 4 GiB of heap; the memory cap refuses before allocating
        java.nio.file.Path p = tmp.resolve("huge.gguf");
        RawGguf r = RawGguf.header(3, 0, 1).kvArray("tokenizer.ggml.token_type", GgufValueType.UINT8.id, 1L << 29);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.write(r.bytes());
            f.setLength(1L << 30);
        }
        GgufFormatException e = catchThrowableOfType(GgufFormatException.class, () -> GgufFile.openHeader(p));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("metadata[0] \"tokenizer.ggml.token_type\" value count");
        assertThat(e.offset()).isEqualTo(r.at("kv:tokenizer.ggml.token_type.count"));
        assertThat(e.getMessage()).contains("more than 512 MiB of memory").endsWith(" in " + p);
    }
}
