package dev.jmoe.tensor.codec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The lattice / codebook tables of the IQ, MXFP4 types, transcribed from llama.cpp's {@code ggml/src/ggml-common.h}
 * into the resource {@code iq-tables.txt} (see its header for the exact source; {@code IqTablesTest} checks sizes,
 * SHA-256 of each table and spot values read from the header; the values were also found byte-for-byte in the
 * compiled {@code libggml-base.so} of the same llama.cpp build).
 *
 * <p>Grids are flattened the way ggml reads them, {@code (const uint8_t *)(grid + index)}: entry {@code i} of a
 * {@code uint64_t} grid is bytes {@code [8i, 8i+8)} in little-endian order, of a {@code uint32_t} grid bytes
 * {@code [4i, 4i+4)}. {@link #KVALUES_IQ4NL} is the one copy of the IQ4_NL/IQ4_XS 16-value codebook.
 */
public final class IqTables {
    private IqTables() {}

    private static final Map<String, long[]> RAW = load();

    /** ksigns_iq2xs[128]: 7 sign bits → 8 sign bits with even parity. */
    public static final byte[] KSIGNS_IQ2XS = bytes("ksigns_iq2xs", 1);
    /** iq2xxs_grid[256] × 8 magnitudes (8, 25 or 43). */
    public static final byte[] IQ2XXS_GRID = bytes("iq2xxs_grid", 8);
    /** iq2xs_grid[512] × 8. */
    public static final byte[] IQ2XS_GRID = bytes("iq2xs_grid", 8);
    /** iq2s_grid[1024] × 8. */
    public static final byte[] IQ2S_GRID = bytes("iq2s_grid", 8);
    /** iq3xxs_grid[256] × 4 magnitudes. */
    public static final byte[] IQ3XXS_GRID = bytes("iq3xxs_grid", 4);
    /** iq3s_grid[512] × 4 magnitudes (odd values 1..15). */
    public static final byte[] IQ3S_GRID = bytes("iq3s_grid", 4);
    /** iq1s_grid[2048] × 8 signed values in {-1, 0, 1}. */
    public static final byte[] IQ1S_GRID = bytes("iq1s_grid", 8);
    /** kvalues_iq4nl[16]: the non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS. */
    public static final byte[] KVALUES_IQ4NL = bytes("kvalues_iq4nl", 1);
    /** kvalues_mxfp4[16] (= kvalues_fp4): E2M1 values doubled. */
    public static final byte[] KVALUES_MXFP4 = bytes("kvalues_fp4", 1);

    /** The values of table {@code name} as written in the header (for the transcription checks). */
    static long[] raw(String name) {
        long[] v = RAW.get(name);
        if (v == null) throw new IllegalArgumentException("no IQ table " + name);
        return v.clone();
    }

    private static byte[] bytes(String name, int width) {
        long[] v = RAW.get(name);
        byte[] out = new byte[v.length * width];
        for (int i = 0; i < v.length; i++) for (int b = 0; b < width; b++) out[i * width + b] = (byte) (v[i] >>> (8 * b));
        return out;
    }

    private static Map<String, long[]> load() {
        Map<String, long[]> tables = new HashMap<>();
        try (InputStream in = IqTables.class.getResourceAsStream("iq-tables.txt")) {
            if (in == null) throw new IllegalStateException("resource dev/jmoe/tensor/codec/iq-tables.txt is missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String name = null;
            long[] cur = null;
            int filled = 0, lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                if (line.startsWith("table ")) {
                    check(name, cur, filled);
                    String[] f = line.split("\\s+");
                    name = f[1];
                    cur = new long[Integer.parseInt(f[3])];
                    filled = 0;
                    tables.put(name, cur);
                    continue;
                }
                if (cur == null) throw new IllegalStateException("iq-tables.txt line " + lineNo + ": values before any table");
                for (String tok : line.split("\\s+")) {
                    if (filled == cur.length) throw new IllegalStateException("iq-tables.txt line " + lineNo + ": table " + name + " has too many values");
                    cur[filled++] = parse(tok);
                }
            }
            check(name, cur, filled);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tables;
    }

    private static long parse(String tok) {
        boolean neg = tok.startsWith("-");
        String t = neg ? tok.substring(1) : tok;
        long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        return neg ? -v : v;
    }

    private static void check(String name, long[] cur, int filled) {
        if (cur != null && filled != cur.length) throw new IllegalStateException("iq-tables.txt: table " + name + " has " + filled + " of " + cur.length + " values");
    }
}
