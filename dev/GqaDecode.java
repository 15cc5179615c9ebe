import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Random;

/**
 * One Llama-3-8B-shaped layer's grouped-query attention (32 query heads, 8 KV heads, head size 128) for one decode
 * token at given depths, milliseconds per call, the jars given taking turns (the model's classes by reflection).
 * Usage: ./jmoe java dev/GqaDecode.java THREADS CACHE(f32|f16|q8_0) DEPTHS REPS JAR...  (e.g. 2 f32 4096,16384 3 old.jar new.jar)
 */
public class GqaDecode {
    public static void main(String[] a) throws Throwable {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[3]), nHead = 32, nKv = 8, hd = 128, kvDim = nKv * hd;
        String cache = a[1].toUpperCase();
        String[] depths = a[2].split(",");
        int ctx = 0;
        for (String d : depths) ctx = Math.max(ctx, Integer.parseInt(d));
        int nJars = a.length - 4;
        Object[] att = new Object[nJars];
        Method[] attend = new Method[nJars];
        float[] q = new float[nHead * hd], out = new float[nHead * hd];
        Random rq = new Random(3);
        for (int i = 0; i < q.length; i++) q[i] = (float) rq.nextGaussian();
        for (int j = 0; j < nJars; j++) {
            ClassLoader cl = new java.net.URLClassLoader(new java.net.URL[] {java.nio.file.Path.of(a[4 + j]).toUri().toURL()}, GqaDecode.class.getClassLoader().getParent());
            Class<?> par = cl.loadClass("dev.jmoe.tensor.Parallel"), order = cl.loadClass("dev.jmoe.tensor.DotOrder");
            Class<?> hwc = cl.loadClass("dev.jmoe.model.HeadWorkers"), gc = cl.loadClass("dev.jmoe.model.GqaAttention");
            Class<?> ct = cl.loadClass("dev.jmoe.model.LoadOptions$CacheType");
            Object pool = par.getConstructor(int.class).newInstance(threads);
            Constructor<?> hwk = hwc.getDeclaredConstructor(par, int.class, order);
            hwk.setAccessible(true);
            Object hw = hwk.newInstance(pool, ctx, order.getField("FAST").get(null));
            Constructor<?> g = gc.getDeclaredConstructor(int.class, int.class, int.class, int.class, int.class, ct, hwc);
            g.setAccessible(true);
            att[j] = g.newInstance(nHead, nKv, hd, ctx, 1, ct.getField(cache).get(null), hw);
            Method store = gc.getDeclaredMethod("store", float[].class, float[].class, int.class, int[].class, int[].class);
            store.setAccessible(true);
            Random r = new Random(11);
            float[] k = new float[kvDim], v = new float[kvDim];
            for (int p = 0; p < ctx; p++) {
                for (int i = 0; i < kvDim; i++) {
                    k[i] = (float) r.nextGaussian();
                    v[i] = (float) r.nextGaussian();
                }
                store.invoke(att[j], k, v, 1, new int[] {0}, new int[] {p});
            }
            attend[j] = gc.getDeclaredMethod("attend", float[].class, int.class, int[].class, int[].class, float.class, float[].class);
            attend[j].setAccessible(true);
        }
        for (String d : depths) {
            int depth = Integer.parseInt(d);
            double[] best = new double[nJars];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            float[][] outs = new float[nJars][];
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < nJars; k++) {
                    int j = (rep + k) % nJars;
                    long t0 = System.nanoTime();
                    int calls = 0;
                    do {
                        attend[j].invoke(att[j], q, 1, new int[] {0}, new int[] {depth - 1}, 0.088f, out);
                        calls++;
                    } while (System.nanoTime() - t0 < 300_000_000L);
                    best[j] = Math.min(best[j], (System.nanoTime() - t0) / 1e6 / calls);
                    outs[j] = out.clone();
                }
            }
            StringBuilder line = new StringBuilder("depth " + depth + ":");
            for (int j = 0; j < nJars; j++) line.append(String.format("  jar%d %.2f ms", j, best[j]));
            boolean same = true;
            for (int j = 1; j < nJars; j++) same &= java.util.Arrays.equals(outs[0], outs[j]);
            System.out.println(line + (same ? "  (outputs bit-identical)" : "  (outputs DIFFER)"));
        }
        System.exit(0);
    }
}
