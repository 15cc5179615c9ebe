package dev.jmoe.cli;

import dev.jmoe.plan.Calibration;
import dev.jmoe.plan.HardwareFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe calibrate}: measure this machine for {@code jmoe plan --hw this}. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure this machine (streaming-read bandwidth, matvec GB/s per weight type with jmoe's kernels,",
                "batched matmul GFLOP/s per type, the fixed cost of one product, disk sequential read) and save it for `jmoe plan --hw this`."})
public final class CalibrateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-t", "--threads"}, description = "kernel threads (default: all cores)")
    Integer threads;

    @Option(names = "-o", description = "output file (default: ~/.config/jmoe/hardware.json)")
    Path out;

    @Option(names = "--stream-mb", defaultValue = "1024", description = "buffer for the bandwidth test, MB (default ${DEFAULT-VALUE})")
    long streamMb;

    @Option(names = "--weight-mb", defaultValue = "256", description = "weight size per matvec test, MB (default ${DEFAULT-VALUE})")
    long weightMb;

    @Option(names = "--warmup-ms", defaultValue = "500", description = "time each kernel runs on a small weight before it is timed, so the JIT has compiled it (default ${DEFAULT-VALUE})")
    long warmupMs;

    @Override
    public Integer call() {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Path file = out != null ? out : HardwareFile.calibrationPath();
        var err = spec.commandLine().getErr();
        err.println("calibrating with 1.." + t + " threads (under a minute) ...");
        Map<String, Object> m = Calibration.measure(t, file.toAbsolutePath().getParent(), streamMb << 20, weightMb << 20, warmupMs);
        Calibration.save(m, file);
        var o = spec.commandLine().getOut();
        m.forEach((k, v) -> o.println(k + ": " + v));
        o.println("saved to " + file + " — use it with: jmoe plan MODEL --hw this");
        return 0;
    }
}
