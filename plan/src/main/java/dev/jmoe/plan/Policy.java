package dev.jmoe.plan;

import java.util.Locale;

/**
 * Where weights go. {@code AUTO} is KTransformers' placement: attention, norms, head, shared experts and dense layers
 * on the GPU, routed experts on the GPU only while VRAM lasts, then RAM, then disk (mmap streaming).
 */
public record Policy(Kind kind, int gpuLayers) {
    public enum Kind { AUTO, ALL_GPU, LAYERS, CPU_MOE, CPU_ONLY }

    public static final Policy AUTO = new Policy(Kind.AUTO, 0);

    public static Policy parse(String s) {
        String p = s.toLowerCase(Locale.ROOT);
        if (p.startsWith("layers:")) {
            try {
                return new Policy(Kind.LAYERS, Integer.parseInt(p.substring(7)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--policy layers:N needs a number of layers, got '" + s + "'");
            }
        }
        return switch (p) {
            case "auto" -> AUTO;
            case "all-gpu" -> new Policy(Kind.ALL_GPU, 0);
            case "cpu-moe" -> new Policy(Kind.CPU_MOE, 0);
            case "cpu-only" -> new Policy(Kind.CPU_ONLY, 0);
            default -> throw new IllegalArgumentException("unknown policy '" + s + "'; known: auto, all-gpu, layers:N, cpu-moe, cpu-only");
        };
    }

    @Override
    public String toString() {
        return kind == Kind.LAYERS ? "layers:" + gpuLayers : kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
