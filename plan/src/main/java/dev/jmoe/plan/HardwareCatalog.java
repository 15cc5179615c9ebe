package dev.jmoe.plan;

import dev.jmoe.plan.Hardware.Cpu;
import dev.jmoe.plan.Hardware.Disk;
import dev.jmoe.plan.Hardware.Gpu;
import dev.jmoe.plan.Hardware.Link;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Named hardware with the numbers' sources. GPU figures are the vendors' datasheet peaks (dense, no sparsity);
 * memory bandwidth of CPUs is channels × transfer rate × 8 bytes × sockets; links are per direction.
 */
public final class HardwareCatalog {
    private static final long GB = 1_000_000_000L;
    private static final long GiB = 1L << 30;
    static final Map<String, Gpu> GPUS = new LinkedHashMap<>();
    static final Map<String, Cpu> CPUS = new LinkedHashMap<>();
    static final Map<String, Link> LINKS = new LinkedHashMap<>();
    static final Map<String, Disk> DISKS = new LinkedHashMap<>();

    static {
        gpu(new Gpu("rtx3090", 24 * GiB, 936, 71, 284, "NVIDIA Ampere GA102 whitepaper (FP16 tensor, FP16 accumulate)"));
        gpu(new Gpu("rtx4090", 24 * GiB, 1008, 165.2, 660.6, "NVIDIA Ada Lovelace whitepaper, RTX 4090 (dense)"));
        gpu(new Gpu("rtx5090", 32 * GiB, 1792, 209.5, 838, "NVIDIA RTX Blackwell whitepaper, RTX 5090 (dense)"));
        gpu(new Gpu("a100-80g", 80 * GiB, 2039, 312, 624, "NVIDIA A100 datasheet (SXM 80GB)"));
        gpu(new Gpu("h100-sxm", 80 * GiB, 3350, 989, 1979, "NVIDIA H100 datasheet (SXM, dense)"));
        gpu(new Gpu("h200", 141 * GB, 4800, 989, 1979, "NVIDIA H200 datasheet (SXM, dense)"));
        gpu(new Gpu("b200", 180 * GB, 8000, 2250, 4500, "NVIDIA DGX B200 datasheet, per GPU (dense)"));

        // desktop: 2 channels; DDR4-3200: 2 × 25.6 GB/s; DDR5-5600: 2 × 44.8 GB/s. ~100 GFLOP/s/core FP32 (AVX2, 2 FMA, ~3.5 GHz)
        cpu(new Cpu("desktop-ddr4", 1, 8, 51.2, 64 * GiB, 100, false, 0, "JEDEC DDR4-3200, 2 channels"));
        cpu(new Cpu("desktop-ddr5", 1, 16, 89.6, 96 * GiB, 110, false, 0, "JEDEC DDR5-5600, 2 channels"));
        // Xeon Gold 6454S (the KTransformers test machine): 32 cores, 8 × DDR5-4800 per socket = 307.2 GB/s
        cpu(new Cpu("xeon-6454s", 1, 32, 307.2, 512 * GiB, 140, false, 0, "Intel ark Xeon Gold 6454S; 8ch DDR5-4800"));
        cpu(new Cpu("xeon-6454s-2s", 2, 64, 614.4, 1024 * GiB, 140, false, 0, "two sockets of xeon-6454s"));
        // EPYC 9654: 96 cores, 12 × DDR5-4800 = 460.8 GB/s
        // Threadripper PRO (WRX80): 8 × DDR4-3200 = 204.8 GB/s — the CPU we assume for llama.cpp issue 10981's 4×3090 rig
        cpu(new Cpu("threadripper-wrx80", 1, 32, 204.8, 512 * GiB, 100, false, 0, "AMD WRX80 platform, 8ch DDR4-3200"));
        cpu(new Cpu("epyc-9654", 1, 96, 460.8, 768 * GiB, 120, false, 0, "AMD EPYC 9654 product page; 12ch DDR5-4800"));
        cpu(new Cpu("epyc-9654-2s", 2, 192, 921.6, 1536 * GiB, 120, false, 0, "two sockets of epyc-9654"));
        // Apple silicon: unified memory, GPU FP32 TFLOPS as Apple/benchmarks state them
        cpu(new Cpu("m4", 1, 10, 120, 32 * GiB, 60, true, 4.3, "Apple M4 tech specs (120 GB/s)"));
        cpu(new Cpu("m4-pro", 1, 14, 273, 64 * GiB, 60, true, 9.2, "Apple M4 Pro tech specs (273 GB/s)"));
        cpu(new Cpu("m4-max", 1, 16, 546, 128 * GiB, 60, true, 18.4, "Apple M4 Max tech specs (546 GB/s)"));
        cpu(new Cpu("m2-ultra", 1, 24, 800, 192 * GiB, 55, true, 27.2, "Apple M2 Ultra tech specs (800 GB/s)"));

        link(new Link("pcie3", 15.75, 5, "PCIe 3.0 x16, per direction"));
        link(new Link("pcie4", 31.5, 5, "PCIe 4.0 x16, per direction"));
        link(new Link("pcie5", 63, 5, "PCIe 5.0 x16, per direction"));
        link(new Link("nvlink", 450, 10, "NVLink 4 (H100/H200), 900 GB/s bidirectional; ~10 µs per all-reduce hop"));
        link(new Link("tb4", 5, 100, "Thunderbolt 4, 40 Gb/s; IP over Thunderbolt latency"));
        link(new Link("tb5", 10, 100, "Thunderbolt 5, 80 Gb/s; IP over Thunderbolt latency"));
        link(new Link("10gbe", 1.25, 50, "10 Gigabit Ethernet"));
        link(new Link("25gbe", 3.125, 30, "25 Gigabit Ethernet"));
        link(new Link("100gbe", 12.5, 20, "100 Gigabit Ethernet"));
        link(new Link("ib-ndr", 50, 2, "InfiniBand NDR 400 Gb/s"));

        disk(new Disk("sata-ssd", 0.55, "SATA III SSD sequential read"));
        disk(new Disk("nvme-gen4", 7.0, "PCIe 4.0 NVMe SSD sequential read (e.g. Samsung 990 Pro)"));
        disk(new Disk("nvme-gen5", 12.0, "PCIe 5.0 NVMe SSD sequential read"));
    }

    private HardwareCatalog() {}

    private static void gpu(Gpu g) {
        GPUS.put(g.name(), g);
    }

    private static void cpu(Cpu c) {
        CPUS.put(c.name(), c);
    }

    private static void link(Link l) {
        LINKS.put(l.name(), l);
    }

    private static void disk(Disk d) {
        DISKS.put(d.name(), d);
    }

    /** Adds a measured machine ({@code jmoe calibrate}) under its name. */
    static synchronized void register(Cpu c) {
        CPUS.put(c.name(), c);
    }

    public static Gpu gpu(String name) {
        return find(GPUS, name, "GPU");
    }

    public static Cpu cpu(String name) {
        return find(CPUS, name, "CPU / memory system");
    }

    public static Link link(String name) {
        return find(LINKS, name.startsWith("pcie") || LINKS.containsKey(name) ? name : "pcie" + name, "link");
    }

    public static Disk disk(String name) {
        return find(DISKS, name, "disk");
    }

    private static <T> T find(Map<String, T> m, String name, String what) {
        String n = name.toLowerCase(Locale.ROOT).replace("rtx-", "rtx").replace(" ", "");
        T v = m.get(n);
        if (v == null && m == GPUS) v = m.get("rtx" + n);
        if (v == null) throw new IllegalArgumentException(Names.unknown(what, name, m.keySet()));
        return v;
    }

    public static Map<String, Gpu> gpus() {
        return GPUS;
    }

    public static Map<String, Cpu> cpus() {
        return CPUS;
    }

    public static Map<String, Link> links() {
        return LINKS;
    }

    public static Map<String, Disk> disks() {
        return DISKS;
    }
}
