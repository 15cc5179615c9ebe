package dev.jmoe.plan;

import java.util.List;

/** Hardware the planner reasons about. Bandwidths in GB/s (10^9 bytes), capacities in bytes, compute in TFLOP/s. */
public final class Hardware {
    private Hardware() {}

    /** A GPU: memory, memory bandwidth, dense FP16 and INT8 tensor throughput. */
    public record Gpu(String name, long vramBytes, double bandwidthGBs, double fp16Tflops, double int8Tops, String source) {}

    /**
     * A CPU memory system: channels × speed give {@code bandwidthGBs} (theoretical peak per socket × sockets);
     * {@code unified} = the GPU shares this memory (Apple silicon), so there is no separate VRAM tier.
     */
    public record Cpu(String name, int sockets, int cores, double bandwidthGBs, long defaultRamBytes, double gflopsPerCore,
                      boolean unified, double gpuTflops, String source) {}

    public record Link(String name, double bandwidthGBs, double latencyMicros, String source) {}

    public record Disk(String name, double readGBs, String source) {}

    /** One machine: a CPU + its RAM, zero or more identical GPUs, a disk. */
    public record Node(Cpu cpu, long ramBytes, List<Gpu> gpus, Disk disk, Link pcie) {
        public long vramBytes() {
            return gpus.stream().mapToLong(Gpu::vramBytes).sum();
        }

        public String describe() {
            String g = gpus.isEmpty() ? "" : (gpus.size() > 1 ? gpus.size() + "× " : "") + gpus.get(0).name() + " + ";
            return g + cpu.name() + " (" + Units.gb(ramBytes) + " RAM)";
        }
    }

    /** Several nodes running one model as pipeline stages over a link. */
    public record Cluster(List<Node> nodes, Link link) {
        public Node first() {
            return nodes.get(0);
        }

        public String describe() {
            return nodes.size() == 1 ? first().describe() : nodes.size() + "× " + first().describe() + " over " + link.name();
        }
    }
}
