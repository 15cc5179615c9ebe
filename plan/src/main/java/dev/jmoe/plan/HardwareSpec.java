package dev.jmoe.plan;

import dev.jmoe.plan.Hardware.Cpu;
import dev.jmoe.plan.Hardware.Gpu;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hardware as the user describes it — catalog names plus custom overrides — turned into a {@link Hardware.Cluster}.
 * {@code gpus} = "rtx4090" or "4x rtx3090"; {@code nodes} = "8x m4-pro-64g" (a CPU name with an optional
 * {@code -NNg} RAM suffix); custom: {@code vram}/{@code gpuBw} define or override the GPU, {@code ram}/{@code ramBw}
 * the memory system.
 */
public record HardwareSpec(String gpus, String cpu, String ram, Double ramBw, String vram, Double gpuBw, String pcie,
                           String disk, String nodes, String link) {
    private static final Pattern COUNT = Pattern.compile("^(\\d+)\\s*[x×]\\s*(.+)$");
    private static final Pattern RAM_SUFFIX = Pattern.compile("^(.+)-(\\d+)g$");

    public static HardwareSpec of(String gpus, String cpu, String ram) {
        return new HardwareSpec(gpus, cpu, ram, null, null, null, null, null, null, null);
    }

    public Hardware.Cluster build() {
        int nNodes = 1;
        String cpuName = cpu;
        Long nodeRam = null;
        if (nodes != null) {
            Matcher m = COUNT.matcher(nodes.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) throw new IllegalArgumentException("--nodes wants COUNTx NAME, e.g. 8x m4-pro-64g; got '" + nodes + "'");
            nNodes = Integer.parseInt(m.group(1));
            if (nNodes < 1) throw new IllegalArgumentException("--nodes count must be >= 1");
            String name = m.group(2).trim();
            Matcher rm = RAM_SUFFIX.matcher(name);
            if (rm.matches() && HardwareCatalog.cpus().containsKey(rm.group(1))) {
                name = rm.group(1);
                nodeRam = Long.parseLong(rm.group(2)) << 30;
            }
            if (cpu != null && !cpu.equalsIgnoreCase(name)) {
                throw new IllegalArgumentException("--cpu " + cpu + " contradicts --nodes " + nodes + " (the node names its CPU)");
            }
            cpuName = name;
        }
        Cpu c = HardwareCatalog.cpu(cpuName == null ? (gpus == null && vram == null ? "desktop-ddr5" : "desktop-ddr5") : cpuName);
        if (ramBw != null) {
            c = new Cpu(c.name() + " (custom " + ramBw + " GB/s)", c.sockets(), c.cores(), ramBw, c.defaultRamBytes(),
                    c.gflopsPerCore(), c.unified(), c.gpuTflops(), "--ram-bw");
        }
        long ramBytes = ram != null ? Units.parseBytes(ram) : nodeRam != null ? nodeRam : c.defaultRamBytes();
        List<Gpu> gs = new ArrayList<>();
        if (gpus != null) {
            if (c.unified()) throw new IllegalArgumentException("--gpu/--gpus cannot be combined with unified-memory " + c.name() + " (its GPU shares the RAM)");
            Matcher m = COUNT.matcher(gpus.trim().toLowerCase(Locale.ROOT));
            int count = m.matches() ? Integer.parseInt(m.group(1)) : 1;
            Gpu g = HardwareCatalog.gpu(m.matches() ? m.group(2).trim() : gpus.trim());
            if (vram != null || gpuBw != null) {
                g = new Gpu(g.name() + " (custom)", vram != null ? Units.parseBytes(vram) : g.vramBytes(),
                        gpuBw != null ? gpuBw : g.bandwidthGBs(), g.fp16Tflops(), g.int8Tops(), "custom flags");
            }
            gs.addAll(Collections.nCopies(count, g));
        } else if (vram != null) {
            if (gpuBw == null) throw new IllegalArgumentException("a custom GPU (--vram) also needs --gpu-bw (GB/s)");
            gs.add(new Gpu("custom GPU", Units.parseBytes(vram), gpuBw, 100, 400, "custom flags"));
        } else if (gpuBw != null) {
            throw new IllegalArgumentException("--gpu-bw given without a GPU (--gpu NAME or --vram SIZE)");
        }
        Hardware.Link pcieLink = HardwareCatalog.link(pcie == null ? "pcie4" : pcie);
        Hardware.Disk d = HardwareCatalog.disk(disk == null ? "nvme-gen4" : disk);
        Hardware.Node node = new Hardware.Node(c, ramBytes, List.copyOf(gs), d, pcieLink);
        if (nNodes > 1 && link == null) throw new IllegalArgumentException("--nodes " + nodes + " needs --link (e.g. tb5, 100gbe)");
        Hardware.Link l = link == null ? pcieLink : HardwareCatalog.link(link);
        return new Hardware.Cluster(Collections.nCopies(nNodes, node), l);
    }
}
