package dev.jmoe.plan;

import java.util.Locale;

/** Formatting and parsing of sizes: "24G" = 24 GiB as the GPU vendors' "24 GB" VRAM, decimal for bandwidths. */
public final class Units {
    private Units() {}

    public static final long GiB = 1L << 30;

    /** Human size in GB (10^9), as the model cards and the question quote them ("~377 GB"). */
    public static String gb(long bytes) {
        double g = bytes / 1e9;
        return g >= 100 ? String.format(Locale.ROOT, "%.0f GB", g) : g >= 10 ? String.format(Locale.ROOT, "%.1f GB", g)
                : String.format(Locale.ROOT, "%.2f GB", g);
    }

    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) GiB);
    }

    /** Parses "24G", "384GB", "1.5T", "512M", "1000000" (bytes); G/T are binary (GiB, TiB). */
    public static long parseBytes(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        double mul = 1;
        if (t.endsWith("T")) mul = 1L << 40;
        else if (t.endsWith("G")) mul = 1L << 30;
        else if (t.endsWith("M")) mul = 1L << 20;
        else if (t.endsWith("K")) mul = 1L << 10;
        if (mul > 1) t = t.substring(0, t.length() - 1);
        try {
            return (long) (Double.parseDouble(t) * mul);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + s + "' (examples: 24G, 384G, 1.5T)");
        }
    }

    public static String params(double p) {
        return p >= 1e9 ? String.format(Locale.ROOT, "%.1f B", p / 1e9) : String.format(Locale.ROOT, "%.1f M", p / 1e6);
    }
}
