package dev.jmoe.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The cheapest changes that make a plan fit in memory, each with the speed it would reach. */
public final class Suggestions {
    /** One change: what to do, and its plan. */
    public record Suggestion(String change, PlanResult plan) {}

    private static final List<String> QUANT_ORDER = List.of("q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k", "iq2_xxs", "iq1_s");

    private Suggestions() {}

    /**
     * @param catalogModel catalog name when the model came from the catalog (lower quants can then be sized), else null
     */
    public static List<Suggestion> forPlan(PlanResult base, String catalogModel) {
        List<Suggestion> out = new ArrayList<>();
        if (base.fitsInMemory()) return out;
        PlanRequest r = base.request();
        if (catalogModel != null) {
            String q = r.model().quant().toLowerCase(Locale.ROOT);
            int i = QUANT_ORDER.indexOf(q);
            for (int j = i + 1; j < QUANT_ORDER.size() && i >= 0; j++) {
                PlanResult p = Planner.plan(r.with(ModelCatalog.spec(catalogModel, QUANT_ORDER.get(j))));
                if (p.fitsInMemory()) {
                    out.add(new Suggestion("quantize to " + QUANT_ORDER.get(j).toUpperCase(Locale.ROOT) + " (" + Units.gb(p.request().model().totalBytes()) + ")", p));
                    break;
                }
            }
        }
        for (int ctx = r.ctx() / 2; ctx >= 512; ctx /= 2) {
            PlanResult p = Planner.plan(r.withCtx(ctx));
            if (p.fitsInMemory()) {
                out.add(new Suggestion("reduce the context to " + ctx + " tokens", p));
                break;
            }
        }
        Hardware.Cluster c = r.cluster();
        Hardware.Node node = c.first();
        if (r.policy().kind() != Policy.Kind.ALL_GPU) {
            // more RAM: enough to hold what spilled to disk or overflowed, rounded up to 64 GB steps
            long need = base.diskSpill() + base.placement().shortfall(Placement.Tier.RAM);
            long add = (need + (64L << 30) - 1) / (64L << 30) * (64L << 30);
            if (add > 0) {
                Hardware.Node bigger = new Hardware.Node(node.cpu(), node.ramBytes() + add, node.gpus(), node.disk(), node.pcie());
                PlanResult p = Planner.plan(r.withCluster(new Hardware.Cluster(java.util.Collections.nCopies(c.nodes().size(), bigger), c.link())));
                if (p.fitsInMemory()) out.add(new Suggestion("add " + (add >> 30) + " GiB of RAM (" + ((node.ramBytes() + add) >> 30) + " GiB per node)", p));
            }
        }
        if (c.nodes().size() > 1 || node.cpu().unified()) {
            for (int n = c.nodes().size() + 1; n <= 64; n++) {
                Hardware.Link link = c.nodes().size() > 1 ? c.link() : HardwareCatalog.link("tb5");
                PlanResult p = Planner.plan(r.withCluster(new Hardware.Cluster(java.util.Collections.nCopies(n, node), link)));
                if (p.fitsInMemory()) {
                    out.add(new Suggestion("use " + n + " nodes of this kind (over " + link.name() + ")", p));
                    break;
                }
            }
        }
        return out;
    }
}
