package dev.jmoe.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE (llama.cpp {@code llm_tokenizer_spm_session}): start from the text's code points and repeatedly
 * merge the adjacent pair whose concatenation is the vocabulary token with the highest score (ties: leftmost); a final
 * symbol that is not a token is written as byte tokens {@code <0xNN>}. The caller has already escaped spaces as ▁.
 */
final class SpmEncoder {
    private final Vocab v;

    private final int[] byteIds = new int[256];
    /** (left id, right id) → id of the token spelled left+right: the merge test without building the text. */
    private final LongIntMap pairToToken;

    SpmEncoder(Vocab v) {
        this.v = v;
        pairToToken = new LongIntMap(v.size() * 4);
        for (int id = 0; id < v.size(); id++) {
            String t = v.text[id];
            for (int k = 1; k < t.length(); k++) {
                if (Character.isLowSurrogate(t.charAt(k))) continue; // symbols split at code points only
                int a = v.tokenId(t.substring(0, k));
                if (a == Vocab.NULL) continue;
                int b = v.tokenId(t.substring(k));
                if (b != Vocab.NULL) pairToToken.putIfAbsent(((long) a << 32) | b, id);
            }
        }
        for (int b = 0; b < 256; b++) {
            int id = v.tokenId(String.format("<0x%02X>", b));
            if (id == Vocab.NULL && b < 0x80) id = v.tokenId(String.valueOf((char) b));
            byteIds[b] = id;
        }
    }

    private record Bigram(float score, int left, int right, int size, int id) {}

    void encode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) return;
        int[] sStart = new int[n], sLen = new int[n], sId = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cp = text.codePointAt(off);
            sStart[i] = off;
            sLen[i] = Character.charCount(cp);
            sId[i] = v.tokenId(text.substring(off, off + sLen[i]));
            off += sLen[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAdd(text, queue, i - 1, i, sStart, sLen, sId);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            if (sLen[l] == 0 || sLen[r] == 0 || sLen[l] + sLen[r] != bg.size) continue;
            sLen[l] += sLen[r];
            sLen[r] = 0;
            sId[l] = bg.id;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            tryAdd(text, queue, prev[l], l, sStart, sLen, sId);
            tryAdd(text, queue, l, next[l], sStart, sLen, sId);
        }
        for (int i = 0; i != -1; i = next[i]) {
            if (sId[i] != Vocab.NULL) {
                out.add(sId[i]);
                continue;
            }
            String sym = text.substring(sStart[i], sStart[i] + sLen[i]);
            for (byte b : sym.getBytes(StandardCharsets.UTF_8)) out.add(byteToken(b & 0xFF));
        }
    }

    private void tryAdd(String text, PriorityQueue<Bigram> queue, int l, int r, int[] sStart, int[] sLen, int[] sId) {
        if (l < 0 || r < 0) return;
        // merged symbols are always tokens; only a first-pass character missing from the vocabulary needs the text
        int id = sId[l] != Vocab.NULL && sId[r] != Vocab.NULL
                ? pairToToken.get(((long) sId[l] << 32) | sId[r])
                : v.tokenId(text.substring(sStart[l], sStart[r] + sLen[r]));
        if (id == Vocab.NULL) return;
        queue.add(new Bigram(v.score[id], l, r, sLen[l] + sLen[r], id));
    }

    /** llama.cpp {@code byte_to_token} for SPM: {@code <0xNN>}, else the byte itself as a one-character token. */
    int byteToken(int b) {
        if (byteIds[b] != Vocab.NULL) return byteIds[b];
        throw new IllegalStateException("vocabulary has no byte token <0x" + String.format("%02X", b) + "> for a byte of the input");
    }
}
