package dev.jmoe.plan;

import dev.jmoe.plan.Placement.Tier;
import java.util.List;

/** A plan: placement with per-tier memory, predicted decode speed per batch size and prefill speed. */
public record PlanResult(PlanRequest request, Placement placement, List<Prediction> decode, Prediction prefill) {

    /** Everything fits in GPU memory and RAM (no disk streaming, no tier over capacity). */
    public boolean fitsInMemory() {
        return shortfall() == 0 && placement.weightBytes(Tier.DISK) - placement.weights(Tier.DISK).getOrDefault(Role.MTP, 0L) == 0;
    }

    /** It runs at all: no tier that cannot spill (GPU under all-gpu / layers:N) is over capacity. */
    public boolean runs() {
        return shortfall() == 0;
    }

    /** Bytes over capacity on GPU or RAM, per stage. */
    public long shortfall() {
        return placement.shortfall(Tier.GPU) + placement.shortfall(Tier.RAM);
    }

    /** Bytes that had to go to disk because RAM (and VRAM) ran out, per stage. */
    public long diskSpill() {
        return placement.weightBytes(Tier.DISK) - placement.weights(Tier.DISK).getOrDefault(Role.MTP, 0L);
    }

    public Prediction decode(int batch) {
        return decode.stream().filter(p -> p.batch() == batch).findFirst().orElseThrow();
    }
}
