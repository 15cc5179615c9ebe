package dev.jmoe.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * Byte-level BPE (llama.cpp {@code llm_tokenizer_bpe_session}): pre-tokenize into words, spell each word's UTF-8 bytes
 * in GPT-2's byte characters, then repeatedly merge the adjacent pair with the lowest merge rank (ties: leftmost).
 * Symbols are tracked by token id, so a merge test is a hash lookup on two ints; pairs whose parts are not tokens fall
 * back to the merge text, which keeps llama.cpp's semantics for odd vocabularies.
 */
final class BpeEncoder {
    private final Vocab v;

    /** Word → ids: a word always encodes the same way, and running text repeats words a lot. Bounded, cleared when full. */
    private final java.util.concurrent.ConcurrentHashMap<String, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_MAX = 1 << 16;

    BpeEncoder(Vocab v) {
        this.v = v;
    }

    private record Bigram(int rank, int left, int right, int leftLen, int rightLen) {}

    void encode(String text, IntList out) {
        int[] cpts = text.codePoints().toArray();
        int[] words = v.preTokenizer.split(cpts);
        int start = 0;
        // per word scratch, grown as needed
        StringBuilder word = new StringBuilder();
        for (int len : words) {
            word.setLength(0);
            byte[] utf8 = new String(cpts, start, len).getBytes(StandardCharsets.UTF_8);
            for (byte b : utf8) word.append(ByteUnicode.toChar(b));
            start += len;
            String key = word.toString();
            int[] ids = cache.get(key);
            if (ids == null) {
                IntList w = new IntList(8);
                encodeWord(key, w);
                ids = w.toArray();
                if (cache.size() >= CACHE_MAX) cache.clear();
                cache.put(key, ids);
            }
            for (int id : ids) out.add(id);
        }
    }

    private void encodeWord(CharSequence w, IntList out) {
        int n = w.length();
        if (n == 0) return;
        if (v.ignoreMerges) {
            int id = v.tokenId(w.toString());
            if (id != Vocab.NULL) {
                out.add(id);
                return;
            }
        }
        // symbols: [start, len) in w, token id (NULL when the text is not a token), linked list
        int[] sStart = new int[n], sLen = new int[n], sId = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            sStart[i] = i;
            sLen[i] = 1;
            char c = w.charAt(i);
            sId[i] = c < v.charToId.length ? v.charToId[c] : v.tokenId(String.valueOf(c));
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        if (n > 1) {
            PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
            for (int i = 1; i < n; i++) addBigram(w, queue, i - 1, i, sStart, sLen, sId);
            while (!queue.isEmpty()) {
                Bigram bg = queue.poll();
                int l = bg.left, r = bg.right;
                if (sLen[l] == 0 || sLen[r] == 0 || sLen[l] != bg.leftLen || sLen[r] != bg.rightLen) continue; // outdated
                sLen[l] += sLen[r];
                sLen[r] = 0;
                sId[l] = v.mergeResult[bg.rank];
                next[l] = next[r];
                if (next[r] >= 0) prev[next[r]] = l;
                addBigram(w, queue, prev[l], l, sStart, sLen, sId);
                addBigram(w, queue, l, next[l], sStart, sLen, sId);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            if (sId[i] != Vocab.NULL) {
                out.add(sId[i]);
                continue;
            }
            // not a token: llama.cpp looks up each UTF-8 byte of the symbol's text as a one-byte string, so only the
            // ASCII characters of the byte-level alphabet can be found; the rest is dropped, as there
            for (int k = sStart[i]; k < sStart[i] + sLen[i]; k++) {
                char c = w.charAt(k);
                if (c < 0x80) {
                    int id = v.charToId[c];
                    if (id != Vocab.NULL) out.add(id);
                }
            }
        }
    }

    private void addBigram(CharSequence w, PriorityQueue<Bigram> queue, int l, int r, int[] sStart, int[] sLen, int[] sId) {
        if (l < 0 || r < 0) return;
        int rank;
        if (sId[l] != Vocab.NULL && sId[r] != Vocab.NULL) {
            rank = v.mergeRankById.get(((long) sId[l] << 32) | sId[r]);
        } else {
            String left = w.subSequence(sStart[l], sStart[l] + sLen[l]).toString();
            String right = w.subSequence(sStart[r], sStart[r] + sLen[r]).toString();
            Integer rk = v.mergeRankByText.get(left + " " + right);
            rank = rk == null ? -1 : rk;
        }
        if (rank < 0) return;
        queue.add(new Bigram(rank, l, r, sLen[l], sLen[r]));
    }
}
