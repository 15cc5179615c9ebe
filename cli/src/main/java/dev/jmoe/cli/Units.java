package dev.jmoe.cli;

import java.util.Locale;

/** Human-readable sizes, in llama-bench's style (MiB below 1 GiB, else GiB). */
final class Units {

    private Units() {}

    static String bytes(long b) {
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.2f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.2f MiB", b / 1024.0 / 1024.0);
        return String.format(Locale.ROOT, "%.2f GiB", b / 1024.0 / 1024.0 / 1024.0);
    }

    /** llama-bench's params column: "%.2f M" below a billion, else "%.2f B". */
    static String params(long n) {
        return n < 1_000_000_000L ? String.format(Locale.ROOT, "%.2f M", n / 1e6)
                : String.format(Locale.ROOT, "%.2f B", n / 1e9);
    }

    /** llama-bench's size column: "%.2f MiB" below a GiB, else "%.2f GiB". */
    static String modelSize(long b) {
        return b < 1024L * 1024 * 1024 ? String.format(Locale.ROOT, "%.2f MiB", b / 1024.0 / 1024.0)
                : String.format(Locale.ROOT, "%.2f GiB", b / 1024.0 / 1024.0 / 1024.0);
    }
}
