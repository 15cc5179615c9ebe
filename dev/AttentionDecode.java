import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Random;

/**
 * One layer's attention for a decode token (or a batch's last tokens) at given cache depths, milliseconds per call,
 * the jars given taking turns (best of 0.3 s windows; outputs compared bit for bit). The model's package-private
 * classes are reached by reflection.
 * <ul>
 *   <li>{@code mla}: DeepSeek-V3-shaped MLA, absorbed (128 heads, nope 128, rope 64, kv_lora 512, v_head 128; F32
 *   k_b/v_b);</li>
 *   <li>{@code gqa}: Llama-3-8B-shaped grouped-query attention (32 query heads, 8 KV heads, head size 128).</li>
 * </ul>
 * With ATTN_TOKENS=N (env), N tokens at the depth's last N positions instead of one (a prefill chunk); with ATTN_KV=K
 * (gqa), K KV heads instead of 8 (32: multi-head attention, Llama-2-7B-shaped).
 * Usage: ./jmoe java dev/AttentionDecode.java mla|gqa THREADS CACHE(f32|f16|q8_0) DEPTHS REPS JAR...
 *   e.g. ./jmoe java dev/AttentionDecode.java mla 2 f32 4096,16384 3 old.jar new.jar   (the first depth also warms the JIT)
 */
public class AttentionDecode {
    public static void main(String[] a) throws Throwable {
        boolean mla = a[0].equals("mla");
        int threads = Integer.parseInt(a[1]), reps = Integer.parseInt(a[4]);
        String cache = a[2].toUpperCase();
        String[] depths = a[3].split(",");
        int ctx = 0;
        for (String d : depths) ctx = Math.max(ctx, Integer.parseInt(d));
        int nJars = a.length - 5, nTok = Integer.parseInt(System.getenv().getOrDefault("ATTN_TOKENS", "1"));
        int nHead = mla ? 128 : 32, qWidth = mla ? 128 + 64 : 128, outWidth = 128;
        Object[] layer = new Object[nJars];
        Method[] attend = new Method[nJars];
        float[] q = new float[nTok * nHead * qWidth], out = new float[nTok * nHead * outWidth];
        Random rq = new Random(7);
        for (int i = 0; i < q.length; i++) q[i] = (float) rq.nextGaussian();
        for (int j = 0; j < nJars; j++) {
            ClassLoader cl = new java.net.URLClassLoader(new java.net.URL[] {java.nio.file.Path.of(a[5 + j]).toUri().toURL()}, AttentionDecode.class.getClassLoader().getParent());
            Class<?> par = cl.loadClass("dev.jmoe.tensor.Parallel"), order = cl.loadClass("dev.jmoe.tensor.DotOrder");
            Class<?> hwc = cl.loadClass("dev.jmoe.model.HeadWorkers"), ct = cl.loadClass("dev.jmoe.model.LoadOptions$CacheType");
            Object pool = par.getConstructor(int.class).newInstance(threads);
            Constructor<?> hwk = hwc.getDeclaredConstructor(par, int.class, order);
            hwk.setAccessible(true);
            Object hw = hwk.newInstance(pool, ctx, order.getField("FAST").get(null));
            Object type = ct.getField(cache).get(null);
            Random r = new Random(11); // the same weights and cache for every jar
            Class<?> lc = cl.loadClass(mla ? "dev.jmoe.model.Mla" : "dev.jmoe.model.GqaAttention");
            if (mla) {
                int nope = 128, rope = 64, kvLora = 512, vHead = 128;
                Class<?> mat = cl.loadClass("dev.jmoe.tensor.Matrix"), gt = cl.loadClass("dev.jmoe.gguf.GgmlType");
                Object f32 = gt.getField("F32").get(null);
                Object c32 = cl.loadClass("dev.jmoe.tensor.Codecs").getMethod("of", gt).invoke(null, f32);
                Constructor<?> mk = mat.getConstructor(String.class, gt, cl.loadClass("dev.jmoe.tensor.Codec"), MemorySegment.class, int.class, int.class);
                Object kB = Array.newInstance(mat, nHead), vB = Array.newInstance(mat, nHead);
                for (int h = 0; h < nHead; h++) {
                    Array.set(kB, h, mk.newInstance("k_b", f32, c32, floats(r, nope * kvLora, 0.05f), nope, kvLora));
                    Array.set(vB, h, mk.newInstance("v_b", f32, c32, floats(r, kvLora * vHead, 0.05f), kvLora, vHead));
                }
                Constructor<?> m = lc.getDeclaredConstructor(kB.getClass(), vB.getClass(), int.class, int.class, int.class, int.class, int.class, int.class, int.class, ct, hwc);
                m.setAccessible(true);
                layer[j] = m.newInstance(kB, vB, nope, rope, kvLora, vHead, ctx, 1, Math.max(8, nTok), type, hw);
                Method store = lc.getDeclaredMethod("store", float[].class, int.class, int[].class, int[].class);
                store.setAccessible(true);
                float[] row = new float[kvLora + rope];
                for (int p = 0; p < ctx; p++) {
                    for (int i = 0; i < row.length; i++) row[i] = (float) r.nextGaussian();
                    store.invoke(layer[j], row, 1, new int[] {0}, new int[] {p});
                }
            } else {
                int nKv = Integer.parseInt(System.getenv().getOrDefault("ATTN_KV", "8")), hd = 128, kvDim = nKv * hd;
                Constructor<?> g = lc.getDeclaredConstructor(int.class, int.class, int.class, int.class, int.class, ct, hwc);
                g.setAccessible(true);
                layer[j] = g.newInstance(nHead, nKv, hd, ctx, 1, type, hw);
                Method store = lc.getDeclaredMethod("store", float[].class, float[].class, int.class, int[].class, int[].class);
                store.setAccessible(true);
                float[] k = new float[kvDim], v = new float[kvDim];
                for (int p = 0; p < ctx; p++) {
                    for (int i = 0; i < kvDim; i++) {
                        k[i] = (float) r.nextGaussian();
                        v[i] = (float) r.nextGaussian();
                    }
                    store.invoke(layer[j], k, v, 1, new int[] {0}, new int[] {p});
                }
            }
            attend[j] = lc.getDeclaredMethod("attend", float[].class, int.class, int[].class, int[].class, float.class, float[].class);
            attend[j].setAccessible(true);
        }
        for (String d : depths) {
            int depth = Integer.parseInt(d);
            int[] slots = new int[nTok], positions = new int[nTok];
            for (int t = 0; t < nTok; t++) positions[t] = depth - nTok + t;
            double[] best = new double[nJars];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            float[][] outs = new float[nJars][];
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < nJars; k++) {
                    int j = (rep + k) % nJars;
                    long t0 = System.nanoTime();
                    int calls = 0;
                    do {
                        attend[j].invoke(layer[j], q, nTok, slots, positions, 0.07f, out);
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
        System.exit(0); // the pools' threads
    }

    static MemorySegment floats(Random rnd, int n, float sd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian() * sd;
        return MemorySegment.ofArray(f);
    }
}
