package dev.jmoe.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Mapped memory's pages touched ahead of use, so that their first-touch faults are not paid inside a timed product. */
public final class Pages {
    private static final long PAGE = 4096;
    private static volatile long sink;
    /** {@code int madvise(void*, size_t, int)} from the C library, or null where there is none. */
    private static final MethodHandle MADVISE = function("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    /** {@code void* mmap(void*, size_t, int, int, int, off_t)} and {@code munmap}, or null. */
    private static final MethodHandle MMAP = function("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = function("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14, PROT_READ_WRITE = 3, MAP_PRIVATE_ANONYMOUS = 0x22;

    private Pages() {}

    /** Reads one byte per 4 KB page of {@code data}, split over the pool's threads. */
    public static void touch(MemorySegment data, Parallel pool) {
        long pages = (data.byteSize() + PAGE - 1) / PAGE;
        if (pages == 0) return;
        int parts = pool.threads() * 8;
        pool.run(parts, 1, (from, to) -> {
            long acc = 0;
            for (int part = from; part < to; part++) {
                for (long p = pages * part / parts, end = pages * (part + 1) / parts; p < end; p++) {
                    acc += data.get(ValueLayout.JAVA_BYTE, p * PAGE);
                }
            }
            sink += acc; // a read the JIT cannot drop; races on the sum do not matter
        });
    }

    /**
     * Gives the pages of a file mapping back ({@code madvise(MADV_DONTNEED)} on the whole pages inside it): they leave
     * the process's resident set, stay in the page cache, and fault back in from the file if read again. Best effort:
     * where there is no {@code madvise} nothing happens.
     */
    public static void release(MemorySegment mapped) {
        if (MADVISE == null || mapped.byteSize() == 0) return;
        long start = (mapped.address() + PAGE - 1) & -PAGE, end = (mapped.address() + mapped.byteSize()) & -PAGE;
        if (end <= start) return;
        try {
            // a failure (-1) leaves the pages resident: nothing is lost
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
        } catch (Throwable e) {
            // as on failure
        }
    }

    /**
     * {@code bytes} of zeroed memory for a large copy, freed when {@code arena} closes. Fresh anonymous pages straight
     * from the kernel ({@code mmap}) where it can: they are zero already, so nothing writes them before the copy does,
     * and the copy's threads take their first-touch faults in parallel — {@link Arena#allocate} zeroes the whole
     * block on the calling thread first (4.5 s per GB on this VM, where a page's first touch is the expensive part,
     * against 2.7 s touched by 2 threads). The range is marked for transparent huge pages
     * ({@code madvise(MADV_HUGEPAGE)}; this VM's kernel gives them only on request), so a first touch faults in 2 MB
     * instead of 4 KB: loading the 8.4 GB Moonlight Q4_0 file, which copies its weights here, went from 48–62 s to
     * 19–26 s. The kernels read it no faster (measured), the copy is just made sooner. Elsewhere {@link Arena#allocate}.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP != null && MUNMAP != null && bytes > 0) {
            try {
                MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (p.address() != -1L && p.address() != 0L) {
                    long address = p.address();
                    if (MADVISE != null) {
                        // huge pages where the kernel has them for madvise()d memory: one first-touch fault per 2 MB
                        // instead of per 4 KB; a failure (-1) leaves 4 KB pages
                        int ignored = (int) MADVISE.invokeExact(p, bytes, MADV_HUGEPAGE);
                    }
                    return p.reinterpret(bytes, arena, s -> unmap(address, bytes));
                }
            } catch (Throwable e) {
                // fall through to the arena
            }
        }
        return arena.allocate(bytes, 64);
    }

    private static void unmap(long address, long bytes) {
        try {
            // a failure leaves the mapping until the process exits
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable e) {
            // the mapping stays until the process exits
        }
    }

    private static MethodHandle function(String name, FunctionDescriptor type) {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, type)).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access granted, or no C library
        }
    }
}
