package dev.jmoe.model.generate;

/**
 * Allocation-free ordering of candidates: each (logit, id) is packed into one {@code long} whose signed order is
 * "higher logit first, then lower id first", so a heap over primitive longs sorts without boxing or comparators and
 * ties always resolve the same way (lowest id first, like the greedy goldens).
 */
final class CandidateOrder {

    private CandidateOrder() {}

    /** Monotone map float → int: signed int order equals float order (−0.0 taken as +0.0). */
    static int sortable(float f) {
        int bits = Float.floatToRawIntBits(f == 0f ? 0f : f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    static float unsortable(int s) {
        return Float.intBitsToFloat(s ^ ((s >> 31) & 0x7fffffff));
    }

    static long key(float logit, int id) {
        return ((long) sortable(logit) << 32) | (0x7fffffffL - id);
    }

    static float logitOf(long key) {
        return unsortable((int) (key >> 32));
    }

    static int idOf(long key) {
        return (int) (0x7fffffffL - (key & 0xffffffffL));
    }

    /**
     * Keeps the {@code k} best candidates, sorted best first, in {@code [0, k)}; sets size = k and sorted. Probabilities
     * are cleared: a stage that needs them recomputes them (top-p does).
     */
    static void sortTop(Candidates c, int k) {
        k = Math.min(k, c.size);
        pack(c);
        top(c.keys, c.size, k);
        unpack(c, k);
    }

    /** Packs the live candidates into {@code c.keys[0, size)}. */
    static void pack(Candidates c) {
        for (int i = 0; i < c.size; i++) c.keys[i] = key(c.logits[i], c.ids[i]);
    }

    /** Makes {@code c.keys[0, k)} the candidates (sorted, probabilities cleared). */
    static void unpack(Candidates c, int k) {
        long[] a = c.keys;
        for (int i = 0; i < k; i++) {
            c.logits[i] = logitOf(a[i]);
            c.ids[i] = idOf(a[i]);
            c.probs[i] = 0f;
        }
        c.size = k;
        c.sorted = true;
    }

    /**
     * After the call {@code a[0, k)} holds the k largest of {@code a[0, n)} in descending order (heap selection) and
     * {@code a[0, n)} is still a permutation of its old content, so a larger k can follow.
     */
    static void top(long[] a, int n, int k) {
        if (k <= 0) return;
        if (k > n / 4) {
            // most of the array: quicksort beats heap extraction several times over (and Arrays.sort may allocate)
            sortDescending(a, 0, n, 2 * (32 - Integer.numberOfLeadingZeros(n)));
            return;
        }
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(a, i, k);           // min-heap of the first k
        for (int i = k; i < n; i++) {
            if (a[i] > a[0]) {
                long evicted = a[0];
                a[0] = a[i];
                a[i] = evicted;
                siftDown(a, 0, k);
            }
        }
        for (int end = k - 1; end > 0; end--) {                           // pop minima to the back: descending
            long t = a[0];
            a[0] = a[end];
            a[end] = t;
            siftDown(a, 0, end);
        }
    }

    /** Introsort of {@code a[from, to)} into descending order, in place: keys are distinct (they hold the id). */
    private static void sortDescending(long[] a, int from, int to, int depth) {
        while (to - from > 16) {
            if (depth-- == 0) {                      // degenerate pivots: heapsort the rest
                heapSortDescending(a, from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            long pivot = median(a[from], a[mid], a[to - 1]);
            int i = from;
            int j = to - 1;
            while (i <= j) {                         // Hoare partition: left >= pivot >= right
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (j + 1 - from < to - i) {             // recurse into the smaller side, loop on the larger
                sortDescending(a, from, j + 1, depth);
                from = i;
            } else {
                sortDescending(a, i, to, depth);
                to = j + 1;
            }
        }
        for (int i = from + 1; i < to; i++) {        // insertion sort for short ranges
            long v = a[i];
            int j = i - 1;
            while (j >= from && a[j] < v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    private static long median(long x, long y, long z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }

    private static void heapSortDescending(long[] a, int from, int to) {
        int n = to - from;
        for (int i = n / 2 - 1; i >= 0; i--) siftDownAt(a, from, i, n);          // min-heap
        for (int end = n - 1; end > 0; end--) {
            long t = a[from];
            a[from] = a[from + end];
            a[from + end] = t;
            siftDownAt(a, from, 0, end);
        }
    }

    private static void siftDownAt(long[] a, int base, int i, int n) {
        long v = a[base + i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && a[base + child + 1] < a[base + child]) child++;
            if (a[base + child] >= v) break;
            a[base + i] = a[base + child];
            i = child;
        }
        a[base + i] = v;
    }

    private static void siftDown(long[] a, int i, int n) {
        long v = a[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && a[child + 1] < a[child]) child++;
            if (a[child] >= v) break;
            a[i] = a[child];
            i = child;
        }
        a[i] = v;
    }
}
