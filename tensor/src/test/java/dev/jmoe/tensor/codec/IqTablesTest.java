package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The transcription of ggml-common.h's tables: sizes, SHA-256 of each table (recorded when the transcription was
 * found byte-for-byte inside llama.cpp's compiled libggml-base.so), spot values read from the header, and structural
 * facts each table must satisfy by construction (checked independently of the header).
 */
class IqTablesTest {
    @Test
    void sizesAndChecksums() throws Exception {
        check("kmask_iq2xs", 8, 1, "5ac9831b2e30eb285ef34f8501620f878432d5c04331ad1ae47f977a83ba41a5");
        check("ksigns_iq2xs", 128, 1, "a76742a603f8beca5212ecce0f1f02f11a4887fd2f7c8b15aca0ea3eb3380c31");
        check("iq2xxs_grid", 256, 8, "05826b5d3e472a3a78f196be62ac78acf81df0f909626e12ab9fa2a5d490dd54");
        check("iq2xs_grid", 512, 8, "06e47aaca60b4dc1d9b5a3f34540437058a6b142b4d7a59d5ded769b4d1bf1de");
        check("iq2s_grid", 1024, 8, "e1aa1473412b0552c2174c30ef22ab4073f6a181b85a17056e8249bd2932fd88");
        check("iq3xxs_grid", 256, 4, "46e35f5a997efdee6c99ce57854c8a0d4f0ff8ca57e5e8a60c0793ea580acf5d");
        check("iq3s_grid", 512, 4, "bd1af4945a1717c65610b0284e4628b9a1ba3b306fae3a06f6e5f597356e349f");
        check("kvalues_iq4nl", 16, 1, "61aa47540aa024b5d6ddaa839b84ffe59f3d5a349af5c6c7ffcb5e0474b46163");
        check("kvalues_fp4", 16, 1, "adf76b672d47eb7fc0afd4db132d548d59d3190aa0ad118fdbf569d5fd478f97");
        check("iq1s_grid", 2048, 8, "07540ffc1aeaf6ad4d97e96b0fcc765aae39671d4ae4a27bbd0e796fde167c6a");
        assertThat(IqTables.IQ1S_GRID).hasSize(2048 * 8);
        assertThat(IqTables.IQ2S_GRID).hasSize(1024 * 8);
        assertThat(IqTables.IQ3S_GRID).hasSize(512 * 4);
    }

    private static void check(String name, int count, int width, String sha256) throws Exception {
        long[] v = IqTables.raw(name);
        assertThat(v).as(name).hasSize(count);
        ByteBuffer b = ByteBuffer.allocate(count * width).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            switch (width) {
                case 1 -> b.put((byte) x);
                case 4 -> b.putInt((int) x);
                default -> b.putLong(x);
            }
        }
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()))).as(name).isEqualTo(sha256);
    }

    @Test
    void spotValuesFromTheHeader() {
        assertThat(IqTables.raw("iq2xxs_grid")[0]).isEqualTo(0x0808080808080808L);
        assertThat(IqTables.raw("iq2xxs_grid")[255]).isEqualTo(0x2b2b2b1908081908L);
        assertThat(IqTables.raw("iq2xs_grid")[511]).isEqualTo(0x2b2b2b2b2b2b2b2bL);
        assertThat(IqTables.raw("iq3xxs_grid")[0]).isEqualTo(0x04040404L);
        assertThat(IqTables.raw("iq3xxs_grid")[255]).isEqualTo(0x3e341c04L);
        assertThat(IqTables.raw("iq3s_grid")[0]).isEqualTo(0x01010101L);
        assertThat(IqTables.raw("iq1s_grid")[0]).isEqualTo(0xffffffffffffffffL);
        assertThat(IqTables.raw("iq1s_grid")[1]).isEqualTo(0xffffffffffffff01L);
        assertThat(IqTables.raw("iq1s_grid")[2047]).isEqualTo(0x0101010101010101L);
        assertThat(IqTables.KSIGNS_IQ2XS[1]).isEqualTo((byte) 129);
        assertThat(IqTables.KVALUES_IQ4NL).containsExactly(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
    }

    @Test
    void ksignsAddsAnEvenParityBitToSevenSignBits() {
        for (int i = 0; i < 128; i++) {
            int expected = i | (Integer.bitCount(i) % 2 == 1 ? 0x80 : 0);
            assertThat(IqTables.KSIGNS_IQ2XS[i] & 0xff).as("ksigns[%d]", i).isEqualTo(expected);
        }
        long[] kmask = IqTables.raw("kmask_iq2xs");
        for (int j = 0; j < 8; j++) assertThat(kmask[j]).isEqualTo(1L << j);
    }

    @Test
    void gridsHoldOnlyTheirLatticeValuesAndNoDuplicates() {
        lattice(IqTables.IQ2XXS_GRID, 8, Set.of(8, 25, 43));
        lattice(IqTables.IQ2XS_GRID, 8, Set.of(8, 25, 43));
        lattice(IqTables.IQ2S_GRID, 8, Set.of(8, 25, 43));
        lattice(IqTables.IQ3XXS_GRID, 4, Set.of(4, 12, 20, 28, 36, 44, 52, 62));
        lattice(IqTables.IQ3S_GRID, 4, Set.of(1, 3, 5, 7, 9, 11, 13, 15));
        lattice(IqTables.IQ1S_GRID, 8, Set.of(-1, 0, 1));
    }

    private static void lattice(byte[] grid, int width, Set<Integer> allowed) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < grid.length / width; i++) {
            StringBuilder key = new StringBuilder();
            for (int j = 0; j < width; j++) {
                assertThat(allowed).contains((int) grid[i * width + j]);
                key.append(grid[i * width + j]).append(',');
            }
            assertThat(seen.add(key.toString())).as("entry %d is a duplicate", i).isTrue();
        }
    }

    @Test
    void mxfp4ValuesAreTwiceTheE2M1Code() {
        for (int code = 0; code < 16; code++) {
            int e = (code >> 1) & 3, m = code & 1;
            double v = e == 0 ? m * 0.5 : (1 + m / 2.0) * Math.pow(2, e - 1);
            if ((code & 8) != 0) v = -v;
            assertThat((double) IqTables.KVALUES_MXFP4[code]).as("E2M1 code %d", code).isEqualTo(2 * v);
        }
    }
}
