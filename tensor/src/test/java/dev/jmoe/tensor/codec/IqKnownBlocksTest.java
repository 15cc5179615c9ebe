package dev.jmoe.tensor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.GgmlType;
import dev.jmoe.tensor.Codecs;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hand-built blocks whose values follow from the block layouts in ggml-common.h and a few grid entries read from the
 * header (entry 0 of iq2*_grid = eight 8s, of iq3xxs_grid = four 4s, of iq3s_grid = four 1s, of iq1s_grid = eight
 * −1s), worked out by hand in the comments — not by the code under test.
 */
class IqKnownBlocksTest {
    private static final short ONE = Float.floatToFloat16(1f);

    private static float[] dequant(GgmlType type, byte[] block) {
        float[] out = new float[type.blockSize];
        Codecs.of(type).dequantizeReference(MemorySegment.ofArray(block), 0, out, 0, type.blockSize);
        return out;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static float[] first8(float[] v) {
        return java.util.Arrays.copyOf(v, 8);
    }

    @Test
    void iq2xxs() {
        byte[] b = new byte[66];
        put16(b, 0, ONE);
        // group 0: grid indices 0 (eight 8s); aux word: scale 3 on top, l=0 sign field 1 -> ksigns 0b1000_0001
        put16(b, 6, 1);
        b[9] = (byte) (3 << 4);
        // db = 1·(0.5+3)·0.25 = 0.875; 0.875·8 = 7
        float[] v = dequant(GgmlType.IQ2_XXS, b);
        assertThat(first8(v)).containsExactly(-7, 7, 7, 7, 7, 7, 7, -7);
        assertThat(v[8]).isEqualTo(7);
        assertThat(v[32]).isEqualTo(1); // group 1: scale 0 -> 0.125·8
    }

    @Test
    void iq2xs() {
        byte[] b = new byte[74];
        put16(b, 0, ONE);
        put16(b, 2, 1 << 9); // index 0, sign field 1
        b[66] = 0x21;        // scales 1 (first 16 values) and 2
        // first 16: 1·(0.5+1)/4·8 = 3; next 16: (0.5+2)/4·8 = 5
        float[] v = dequant(GgmlType.IQ2_XS, b);
        assertThat(first8(v)).containsExactly(-3, 3, 3, 3, 3, 3, 3, -3);
        assertThat(v[16]).isEqualTo(5);
    }

    @Test
    void iq2s() {
        byte[] b = new byte[82];
        put16(b, 0, ONE);
        b[2 + 32] = (byte) 0x80; // explicit sign byte of the first 8: last one negative
        // scale 0: (0.5)/4·8 = 1
        assertThat(first8(dequant(GgmlType.IQ2_S, b))).containsExactly(1, 1, 1, 1, 1, 1, 1, -1);
    }

    @Test
    void iq3xxs() {
        byte[] b = new byte[98];
        put16(b, 0, ONE);
        // aux word of group 0 (at qs[64]): scale 1 on top, sign field 2 -> ksigns 0b1000_0010
        b[2 + 64] = 2;
        b[2 + 67] = (byte) (1 << 4);
        // db = (0.5+1)·0.5 = 0.75; 0.75·4 = 3
        assertThat(first8(dequant(GgmlType.IQ3_XXS, b))).containsExactly(3, -3, 3, 3, 3, 3, 3, -3);
    }

    @Test
    void iq3s() {
        byte[] b = new byte[110];
        put16(b, 0, Float.floatToFloat16(0.5f));
        b[74] = 1;          // signs of the first 8: first negative
        b[106] = 0x31;      // scales: group 0 -> 1, group 1 -> 3
        // group 0: 0.5·(1+2·1)·1 = 1.5; group 1: 0.5·7 = 3.5
        float[] v = dequant(GgmlType.IQ3_S, b);
        assertThat(first8(v)).containsExactly(-1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f);
        assertThat(v[32]).isEqualTo(3.5f);
    }

    @Test
    void iq1s() {
        byte[] b = new byte[50];
        put16(b, 0, ONE);
        put16(b, 34, 0x8000 | (2 << 12)); // group 0: scale 2, negative shift
        put16(b, 36, 0);                  // group 1: scale 0, positive shift
        // group 0: (2·2+1)·(−1 − 1/8) = −5.625; group 1: 1·(−1 + 1/8) = −0.875
        float[] v = dequant(GgmlType.IQ1_S, b);
        assertThat(first8(v)).containsOnly(-5.625f);
        assertThat(v[32]).isEqualTo(-0.875f);
    }

    @Test
    void iq1m() {
        byte[] b = new byte[56];
        // fp16 1.0 = 0x3C00 spread over the top nibbles of the 4 scale words: 0, 0, 0xC, 0x3
        put16(b, 48, 1 | (2 << 3));    // group 0: sub-scales 1 (values 0..15) and 2 (16..31)
        put16(b, 52, 0xC000);
        put16(b, 54, 0x3000);
        b[32] = (byte) 0x80;           // qh of group 0, values 8..15: negative shift
        // values 0..7: 3·(−1+1/8) = −2.625; 8..15: 3·(−1−1/8) = −3.375; 16..23: 5·(−0.875) = −4.375
        float[] v = dequant(GgmlType.IQ1_M, b);
        assertThat(v[0]).isEqualTo(-2.625f);
        assertThat(v[8]).isEqualTo(-3.375f);
        assertThat(v[16]).isEqualTo(-4.375f);
    }

    @Test
    void iq4xs() {
        byte[] b = new byte[136];
        put16(b, 0, Float.floatToFloat16(0.5f));
        put16(b, 2, 2);       // scales_h: group 0 high bits = 2
        b[4] = 1;             // scales_l: group 0 low bits = 1  -> ls = 33, dl = 0.5·(33−32) = 0.5
        b[8] = (byte) 0xF0;   // value 0 <- nibble 0 (−127), value 16 <- nibble 15 (113)
        float[] v = dequant(GgmlType.IQ4_XS, b);
        assertThat(v[0]).isEqualTo(-63.5f);
        assertThat(v[16]).isEqualTo(56.5f);
        assertThat(v[32]).isEqualTo(-0.5f * -32 * 127); // group 1: ls = 0 -> dl = −16, nibble 0
    }

    @Test
    void mxfp4() {
        byte[] b = new byte[17];
        b[0] = 127; // 2^(127−127) for the E2M1 value
        for (int j = 0; j < 16; j++) b[1 + j] = (byte) (j | (15 - j) << 4);
        float[] e2m1 = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
        float[] v = dequant(GgmlType.MXFP4, b);
        for (int j = 0; j < 16; j++) {
            assertThat(v[j]).isEqualTo(e2m1[j]);
            assertThat(v[16 + j]).isEqualTo(e2m1[15 - j]);
        }
        b[0] = 0; // E8M0 0 = 2^-127 (subnormal territory); value 24 holds code 7 (6): 6 · 2^-127
        assertThat(dequant(GgmlType.MXFP4, b)[24]).isEqualTo((float) (6 * Math.pow(2, -127)));
    }

    @Test
    void tq2() {
        byte[] b = new byte[66];
        put16(b, 64, Float.floatToFloat16(0.25f));
        b[0] = (byte) 0b11_10_01_00; // values 0, 32, 64, 96 <- 2-bit codes 0, 1, 2, 3
        float[] v = dequant(GgmlType.TQ2_0, b);
        assertThat(new float[] {v[0], v[32], v[64], v[96], v[128]}).containsExactly(-0.25f, 0, 0.25f, 0.5f, -0.25f);
    }

    @Test
    void tq1EncodedWithTheSpecsBase3FixedPointDecodesToTheTrits() {
        Random rnd = new Random(3);
        int[] trits = new int[256];
        for (int i = 0; i < 256; i++) trits[i] = rnd.nextInt(3);
        byte[] b = new byte[54];
        put16(b, 52, ONE);
        // ggml's TQ1_0 packing: byte = ceil(Σ_n t_n·3^(4−n) · 256/243) over the n-th trit of each group
        // (qs[0..32): 5 trits at strides of 32; qs[32..48): 5 at strides of 16 from value 160; qh: 4 at strides of 4 from 240)
        for (int m = 0; m < 32; m++) b[m] = pack(trits, m, 32, 5);
        for (int m = 0; m < 16; m++) b[32 + m] = pack(trits, 160 + m, 16, 5);
        for (int m = 0; m < 4; m++) b[48 + m] = pack(trits, 240 + m, 4, 4);
        float[] v = dequant(GgmlType.TQ1_0, b);
        for (int i = 0; i < 256; i++) assertThat(v[i]).as("value %d", i).isEqualTo(trits[i] - 1);
    }

    private static byte pack(int[] trits, int first, int stride, int count) {
        int q = 0;
        for (int n = 0; n < count; n++) q = q * 3 + trits[first + n * stride];
        for (int n = count; n < 5; n++) q *= 3; // a 4-trit byte is scaled as if a 5th trit 0 followed
        return (byte) ((q * 256 + 242) / 243);
    }
}
