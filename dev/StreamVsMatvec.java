import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Each kernel's matvec GB/s beside a streaming read taken just before it in the same JVM ({@code Calibration.streamRead}
 * of 512 MB, then {@code Calibration.matvec} of a 256 MB weight, 4096 columns, per type), ROUNDS times: the percentages
 * the kernels issue asks for, on a VM whose bandwidth moves by a quarter within minutes.
 * Usage: ./jmoe java -cp cli/target/jmoe.jar dev/StreamVsMatvec.java THREADS TYPES ROUNDS  (e.g. 2 Q4_K,Q6_K,Q4_0 3)
 */
public class StreamVsMatvec {
    public static void main(String[] a) throws Throwable {
        Class<?> cal = Class.forName("dev.jmoe.plan.Calibration"), par = Class.forName("dev.jmoe.tensor.Parallel");
        Class<?> codec = Class.forName("dev.jmoe.tensor.Codec"), codecs = Class.forName("dev.jmoe.tensor.Codecs"), gt = Class.forName("dev.jmoe.gguf.GgmlType");
        Method mv = cal.getDeclaredMethod("matvec", par, Path.class, codec, int.class, long.class, long.class);
        Method sr = cal.getDeclaredMethod("streamRead", par, long.class);
        mv.setAccessible(true);
        sr.setAccessible(true);
        int threads = Integer.parseInt(a[0]), rounds = Integer.parseInt(a[2]);
        Object pool = par.getConstructor(int.class).newInstance(threads);
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder();
            double s = (double) sr.invoke(null, pool, 512L << 20);
            line.append(String.format("stream %.1f GB/s", s));
            for (String t : a[1].split(",")) {
                Object c = codecs.getMethod("of", gt).invoke(null, gt.getMethod("valueOf", String.class).invoke(null, t));
                double g = (double) mv.invoke(null, pool, Path.of(System.getProperty("java.io.tmpdir")), c, 4096, 256L << 20, 400L);
                line.append(String.format("  %s %.1f (%.0f %%)", t, g, 100 * g / s));
            }
            System.out.println(line);
        }
        System.exit(0); // the pool's threads
    }
}
