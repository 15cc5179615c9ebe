import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * One DeepSeek-V3-shaped MLA layer's attention for one decode token at a given context depth (absorbed form: 128
 * heads, nope 128, rope 64, kv_lora 512, v_head 128; F32 k_b/v_b), milliseconds per call and the cache bytes it reads,
 * for each depth, alternating the jars given. The model's own classes, reached by reflection (package-private).
 * With JMLA_TOKENS=N (env), N tokens at the depth's last N positions instead of one (a prefill chunk: above 8 tokens
 * the heads run one at a time).
 * Usage: ./jmoe java dev/MlaDecode.java THREADS CACHE(f32|f16|q8_0) DEPTHS REPS JAR...  (e.g. 2 f32 512,4096 5 old.jar new.jar)
 */
public class MlaDecode {
    public static void main(String[] a) throws Throwable {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[3]);
        String cache = a[1].toUpperCase();
        int nHead = 128, nope = 128, rope = 64, kvLora = 512, vHead = 128, stride = kvLora + rope;
        String[] depths = a[2].split(",");
        int ctx = 0;
        for (String d : depths) ctx = Math.max(ctx, Integer.parseInt(d));
        int nJars = a.length - 4, nTok = Integer.parseInt(System.getenv().getOrDefault("JMLA_TOKENS", "1"));
        Object[] mla = new Object[nJars];
        Method[] attend = new Method[nJars];
        Random rnd = new Random(7);
        float[] q = new float[nTok * nHead * (nope + rope)], out = new float[nTok * nHead * vHead];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        for (int j = 0; j < nJars; j++) {
            rnd = new Random(8); // the same weights for every jar
            ClassLoader cl = new java.net.URLClassLoader(new java.net.URL[] {java.nio.file.Path.of(a[4 + j]).toUri().toURL()}, MlaDecode.class.getClassLoader().getParent());
            Class<?> par = cl.loadClass("dev.jmoe.tensor.Parallel"), order = cl.loadClass("dev.jmoe.tensor.DotOrder");
            Class<?> hwc = cl.loadClass("dev.jmoe.model.HeadWorkers"), mlac = cl.loadClass("dev.jmoe.model.Mla");
            Class<?> mat = cl.loadClass("dev.jmoe.tensor.Matrix"), gt = cl.loadClass("dev.jmoe.gguf.GgmlType"), codecs = cl.loadClass("dev.jmoe.tensor.Codecs");
            Class<?> ct = cl.loadClass("dev.jmoe.model.LoadOptions$CacheType"), codec = cl.loadClass("dev.jmoe.tensor.Codec");
            Object pool = par.getConstructor(int.class).newInstance(threads);
            Object fast = order.getField("FAST").get(null);
            Constructor<?> hwk = hwc.getDeclaredConstructor(par, int.class, order);
            hwk.setAccessible(true);
            Object hw = hwk.newInstance(pool, ctx, fast);
            Object f32 = gt.getField("F32").get(null);
            Object c32 = codecs.getMethod("of", gt).invoke(null, f32);
            Constructor<?> mk = mat.getConstructor(String.class, gt, codec, MemorySegment.class, int.class, int.class);
            Object kB = Array.newInstance(mat, nHead), vB = Array.newInstance(mat, nHead);
            for (int h = 0; h < nHead; h++) {
                Array.set(kB, h, mk.newInstance("k_b", f32, c32, floats(rnd, nope * kvLora, 0.05f), nope, kvLora));
                Array.set(vB, h, mk.newInstance("v_b", f32, c32, floats(rnd, kvLora * vHead, 0.05f), kvLora, vHead));
            }
            Constructor<?> m = mlac.getDeclaredConstructor(kB.getClass(), vB.getClass(), int.class, int.class, int.class, int.class, int.class, int.class, int.class, ct, hwc);
            m.setAccessible(true);
            mla[j] = m.newInstance(kB, vB, nope, rope, kvLora, vHead, ctx, 1, Math.max(8, nTok), ct.getField(cache).get(null), hw);
            Method store = mlac.getDeclaredMethod("store", float[].class, int.class, int[].class, int[].class);
            store.setAccessible(true);
            float[] row = new float[stride];
            Random r2 = new Random(11);
            for (int p = 0; p < ctx; p++) {
                for (int i = 0; i < stride; i++) row[i] = (float) r2.nextGaussian();
                store.invoke(mla[j], row, 1, new int[] {0}, new int[] {p});
            }
            attend[j] = mlac.getDeclaredMethod("attend", float[].class, int.class, int[].class, int[].class, float.class, float[].class);
            attend[j].setAccessible(true);
        }
        for (String d : depths) {
            int depth = Integer.parseInt(d);
            double[] best = new double[nJars];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            StringBuilder line = new StringBuilder("depth " + depth + ":");
            float[][] outs = new float[nJars][];
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < nJars; k++) {
                    int j = (rep + k) % nJars;
                    long t0 = System.nanoTime();
                    int calls = 0;
                    do {
                        int[] slots = new int[nTok], positions = new int[nTok];
                        for (int t = 0; t < nTok; t++) positions[t] = depth - nTok + t;
                        attend[j].invoke(mla[j], q, nTok, slots, positions, 0.07f, out);
                        calls++;
                    } while (System.nanoTime() - t0 < 300_000_000L);
                    best[j] = Math.min(best[j], (System.nanoTime() - t0) / 1e6 / calls);
                    outs[j] = out.clone();
                }
            }
            for (int j = 0; j < nJars; j++) line.append(String.format("  jar%d %.2f ms", j, best[j]));
            boolean same = true;
            for (int j = 1; j < nJars; j++) same &= java.util.Arrays.equals(outs[0], outs[j]);
            System.out.println(line + (same ? "  (outputs bit-identical)" : "  (outputs DIFFER)"));
        }
        System.exit(0);
    }

    static MemorySegment floats(Random rnd, int n, float sd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian() * sd;
        return MemorySegment.ofArray(f);
    }
}
