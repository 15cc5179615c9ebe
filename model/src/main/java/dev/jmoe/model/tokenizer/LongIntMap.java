package dev.jmoe.model.tokenizer;

import java.util.Arrays;

/** Open-addressing map from long keys to non-negative int values (-1 = absent); built once, read without allocation. */
final class LongIntMap {
    private long[] keys;
    private int[] vals;
    private int size;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        vals = new int[cap];
        Arrays.fill(vals, -1);
    }

    /** Puts the value unless the key is present (first one wins, like unordered_map::emplace). */
    void putIfAbsent(long key, int value) {
        if ((size + 1) * 2 > keys.length) grow();
        int i = slot(key);
        if (vals[i] < 0) {
            keys[i] = key;
            vals[i] = value;
            size++;
        }
    }

    int get(long key) {
        return vals[slot(key)];
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        int i = (int) (mix(key) & mask);
        while (vals[i] >= 0 && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return k;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = vals;
        keys = new long[ok.length * 2];
        vals = new int[ok.length * 2];
        Arrays.fill(vals, -1);
        size = 0;
        for (int i = 0; i < ok.length; i++) if (ov[i] >= 0) putIfAbsent(ok[i], ov[i]);
    }
}
