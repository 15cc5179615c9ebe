package dev.jmoe.tensor.codec;

import static dev.jmoe.tensor.codec.KQuants.nearestInt;
import static dev.jmoe.tensor.codec.KQuants.put8;
import static dev.jmoe.tensor.codec.KQuants.u8;

import java.lang.foreign.MemorySegment;

/** The 12-byte 6-bit scale/min packing shared by the Q4_K and Q5_K quantizers (inverse of get_scale_min_k4). */
final class KScales {
    private KScales() {}

    static void packK4(MemorySegment dst, long at, float[] scales, float[] mins, float maxScale, float maxMin) {
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int k = 0; k < 12; k++) put8(dst, at + k, 0);
        for (int j = 0; j < 8; j++) {
            // ggml stores nearest_int into a uint8_t before MIN(63, ·)
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                put8(dst, at + j, ls);
                put8(dst, at + j + 4, lm);
            } else {
                put8(dst, at + j + 4, (ls & 0xF) | ((lm & 0xF) << 4));
                put8(dst, at + j - 4, u8(dst, at + j - 4) | ((ls >> 4) << 6));
                put8(dst, at + j, u8(dst, at + j) | ((lm >> 4) << 6));
            }
        }
    }
}
