package dev.jmoe.plan;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where one pipeline stage's bytes live. Weight bytes are kept per tier and role; routed experts are placed as a
 * fraction of all experts per tier (whole experts go to the GPU first while VRAM lasts).
 */
public final class Placement {
    public enum Tier { GPU, RAM, DISK }

    final Map<Tier, Map<Role, Long>> weights = new EnumMap<>(Tier.class);
    final Map<Tier, Long> capacity = new EnumMap<>(Tier.class);
    final Map<Tier, Long> kv = new EnumMap<>(Tier.class);
    final Map<Tier, Long> scratch = new EnumMap<>(Tier.class);
    final Map<Tier, Long> overhead = new EnumMap<>(Tier.class);
    /** fraction of routed-expert bytes per tier */
    final Map<Tier, Double> expertFraction = new EnumMap<>(Tier.class);
    /** fraction of non-expert weights per tier */
    final Map<Tier, Double> denseFraction = new EnumMap<>(Tier.class);
    /** weight bytes that must be on a tier that has no room (all-gpu policy): a hard shortfall */
    long unplaced;

    Placement() {
        for (Tier t : Tier.values()) {
            weights.put(t, new EnumMap<>(Role.class));
            capacity.put(t, 0L);
            kv.put(t, 0L);
            scratch.put(t, 0L);
            overhead.put(t, 0L);
            expertFraction.put(t, 0.0);
            denseFraction.put(t, 0.0);
        }
    }

    void addWeights(Tier t, Role r, long bytes) {
        if (bytes > 0) weights.get(t).merge(r, bytes, Long::sum);
    }

    public long weightBytes(Tier t) {
        return weights.get(t).values().stream().mapToLong(Long::longValue).sum();
    }

    public long used(Tier t) {
        return weightBytes(t) + kv.get(t) + scratch.get(t) + overhead.get(t);
    }

    public long capacity(Tier t) {
        return capacity.get(t);
    }

    public Map<Role, Long> weights(Tier t) {
        return weights.get(t);
    }

    public long kv(Tier t) {
        return kv.get(t);
    }

    public long scratch(Tier t) {
        return scratch.get(t);
    }

    public long overhead(Tier t) {
        return overhead.get(t);
    }

    public double expertFraction(Tier t) {
        return expertFraction.get(t);
    }

    /** Share of the non-expert weights (attention, dense FFN, shared experts, head) placed on tier t. */
    public double denseFraction(Tier t) {
        return denseFraction.get(t);
    }

    /** Bytes over capacity on a tier (0 when it fits); the disk tier never overflows. */
    public long shortfall(Tier t) {
        if (t == Tier.DISK) return 0;
        return Math.max(0, used(t) - capacity(t)) + (t == Tier.GPU ? unplaced : 0);
    }
}
