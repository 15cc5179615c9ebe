package dev.jmoe.cli;

import dev.jmoe.model.synth.Summary;
import dev.jmoe.model.synth.Synthesizer;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for the long writers ({@code synth}, {@code quantize}):
 * {@code LABEL [#####.....]  45%  120 MB / 267 MB  85 MB/s}, redrawn at most 10× a second; {@link #finish} ends the line.
 */
final class ProgressBar implements Synthesizer.Progress {
    private final PrintWriter err;
    private final String label;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        int width = 30, filled = total <= 0 ? width : (int) (width * Math.min(1.0, done / (double) total));
        double secs = Math.max(1e-9, (now - start) / 1e9);
        err.printf(Locale.ROOT, "\r%s[%s%s] %3d%%  %s / %s  %.0f MB/s ", label.isEmpty() ? "" : label + " ", "#".repeat(filled),
                ".".repeat(width - filled), total <= 0 ? 100 : (int) (100 * done / total), Summary.bytes(done), Summary.bytes(total),
                done / 1e6 / secs);
        err.flush();
        drawn = true;
    }

    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
