package dev.jmoe.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the byte offsets of the header's integer fields (version, counts, lengths, types, dims, offsets) in a
 * <em>valid</em> GGUF, independently of GgufReader, so the fuzz test can overwrite exactly those.
 */
final class GgufFieldWalker {
    private GgufFieldWalker() {}

    static int[] fieldOffsets(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> at = new ArrayList<>();
        b.position(4);
        at.add(4);
        b.getInt();
        at.add(b.position());
        long nTensors = b.getLong();
        at.add(b.position());
        long nKv = b.getLong();
        for (long i = 0; i < nKv; i++) {
            string(b, at);
            at.add(b.position());
            int type = b.getInt();
            value(b, type, at);
        }
        for (long i = 0; i < nTensors; i++) {
            string(b, at);
            at.add(b.position());
            int nDims = b.getInt();
            for (int d = 0; d < nDims; d++) {
                at.add(b.position());
                b.getLong();
            }
            at.add(b.position());
            b.getInt();
            at.add(b.position());
            b.getLong();
        }
        return at.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void string(ByteBuffer b, List<Integer> at) {
        at.add(b.position());
        long len = b.getLong();
        b.position(b.position() + (int) len);
    }

    private static void value(ByteBuffer b, int type, List<Integer> at) {
        switch (type) {
            case 0, 1, 7 -> b.get();
            case 2, 3 -> b.getShort();
            case 4, 5, 6 -> b.getInt();
            case 10, 11, 12 -> b.getLong();
            case 8 -> string(b, at);
            case 9 -> {
                at.add(b.position());
                int et = b.getInt();
                at.add(b.position());
                long n = b.getLong();
                for (long i = 0; i < n; i++) {
                    if (et == 8 && i >= 4) { // record only the first few string lengths
                        long len = b.getLong();
                        b.position(b.position() + (int) len);
                    } else {
                        value(b, et, at);
                    }
                }
            }
            default -> throw new IllegalArgumentException("type " + type);
        }
    }
}
