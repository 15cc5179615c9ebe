package dev.jmoe.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on stderr: {@code [#####.....]  45%  120/267 MB  85 MB/s}. Redraws at most 10× a second. */
final class ProgressBar {
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintWriter err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        int width = 30, filled = (int) (width * Math.min(1.0, done / (double) total));
        double secs = Math.max(1e-9, (now - start) / 1e9);
        err.printf(Locale.ROOT, "\r%s [%s%s] %3d%%  %,d/%,d MB  %.0f MB/s", label, "#".repeat(filled), ".".repeat(width - filled),
                (int) (100 * done / total), done >> 20, total >> 20, done / 1e6 / secs);
        if (done >= total) err.println();
        err.flush();
    }
}
