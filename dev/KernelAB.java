import java.lang.reflect.*;
import java.net.*;
import java.nio.file.Path;
/**
 * Two builds of jmoe's kernels in one JVM, each jar in its own class loader, taking turns on the same machine state:
 * {@code Calibration.matvec} (GB/s of weight bytes over a {@code MB}-sized weight, {@code cols} columns) per type,
 * {@code REPS} turns each, the first dropped. On this shared VM the speed of one build moves by a third between runs,
 * so only turns taken side by side compare two builds. Args: OLD.jar NEW.jar THREADS TYPES REPS [COLS] [MB].
 */
public class KernelAB {
    record Side(String name, Method mv, Object pool, Method codec, Method typeOf) {}
    static Side side(String jar, int threads) throws Exception {
        ClassLoader l = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Class<?> cal = l.loadClass("dev.jmoe.plan.Calibration"), par = l.loadClass("dev.jmoe.tensor.Parallel"), codec = l.loadClass("dev.jmoe.tensor.Codec");
        Class<?> codecs = l.loadClass("dev.jmoe.tensor.Codecs"), gt = l.loadClass("dev.jmoe.gguf.GgmlType");
        Method m = cal.getDeclaredMethod("matvec", par, Path.class, codec, int.class, long.class, long.class);
        m.setAccessible(true);
        Object pool = par.getConstructor(int.class).newInstance(threads);
        return new Side(jar, m, pool, codecs.getMethod("of", gt), gt.getMethod("valueOf", String.class));
    }
    public static void main(String[] a) throws Throwable {
        int threads = Integer.parseInt(a[2]), reps = Integer.parseInt(a[4]);
        int cols = a.length > 5 ? Integer.parseInt(a[5]) : 4096;
        long mb = a.length > 6 ? Long.parseLong(a[6]) : 256;
        Side[] sides = {side(a[0], threads), side(a[1], threads)};
        for (String t : a[3].split(",")) {
            double[] sum = new double[2];
            StringBuilder turns = new StringBuilder(t + ":");
            for (int r = 0; r < reps; r++) {
                for (int k = 0; k < 2; k++) {
                    int i = (r + k) % 2; // old, new, new, old, …: neither build always goes first
                    Side s = sides[i];
                    Object codec = s.codec.invoke(null, s.typeOf.invoke(null, t));
                    double gbs = (double) s.mv.invoke(null, s.pool, Path.of(System.getProperty("java.io.tmpdir")), codec, cols, mb << 20, 400L);
                    if (r > 0) sum[i] += gbs;
                    turns.append(String.format(" %s%.1f", i == 0 ? "old " : "new ", gbs));
                }
            }
            System.out.println(turns);
            System.out.printf("%s old %.1f new %.1f GB/s, new/old %.3f%n", t, sum[0] / (reps - 1), sum[1] / (reps - 1), sum[1] / sum[0]);
        }
        System.exit(0); // the pools' threads
    }
}
