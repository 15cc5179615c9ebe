package dev.jmoe.model.tokenizer;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The texts of the special tokens in a trie, to find in one pass which of them occur in an input at all. Partitioning
 * then only tries those (a vocabulary such as deepseek-llm has 2,400 user-defined tokens; searching the text for each
 * one, as llama.cpp does, costs 2,400 scans of the input).
 */
final class SpecialTrie {
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        int id = -1;
    }

    private final Node root = new Node();

    SpecialTrie(String[] text, int[] ids) {
        for (int id : ids) {
            Node n = root;
            String t = text[id];
            for (int i = 0; i < t.length(); i++) n = n.next.computeIfAbsent(t.charAt(i), c -> new Node());
            n.id = id;
        }
    }

    /** The ids whose text occurs somewhere in {@code s}. */
    BitSet occurring(String s) {
        BitSet found = new BitSet();
        for (int i = 0; i < s.length(); i++) {
            Node n = root;
            for (int k = i; k < s.length(); k++) {
                n = n.next.get(s.charAt(k));
                if (n == null) break;
                if (n.id >= 0) found.set(n.id);
            }
        }
        return found;
    }
}
