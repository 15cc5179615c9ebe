package dev.jmoe.cli;

import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM / SIGINT handlers for as long as a server runs. The JVM's own handlers run the shutdown hooks and exit with
 * 143 / 130; a server that drains and then exits 0 must take the signals itself (jdk.unsupported's Signal is the only
 * API for it). Closing restores the previous handlers.
 */
final class Signals implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    static Signals onTerminate(Runnable action) {
        Signals s = new Signals();
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                Signal sig = new Signal(name);
                s.previous.add(Signal.handle(sig, x -> action.run()));
                s.signals.add(sig);
            } catch (IllegalArgumentException unsupported) {
                // not on this platform (or -Xrs): the JVM's default handling stays
            }
        }
        return s;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) Signal.handle(signals.get(i), previous.get(i));
    }
}
