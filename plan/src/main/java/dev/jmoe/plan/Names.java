package dev.jmoe.plan;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Unknown X" messages that list the known names, closest first. */
final class Names {
    private Names() {}

    static String unknown(String what, String given, Collection<String> known) {
        List<String> close = known.stream()
                .sorted(Comparator.comparingInt(k -> distance(k, given.toLowerCase(Locale.ROOT))))
                .filter(k -> distance(k, given.toLowerCase(Locale.ROOT)) <= Math.max(3, given.length() / 3) || k.contains(given.toLowerCase(Locale.ROOT)))
                .limit(3).toList();
        return "unknown " + what + " '" + given + "'" + (close.isEmpty() ? "" : " (did you mean " + String.join(", ", close) + "?)")
                + "; known: " + String.join(", ", known);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
