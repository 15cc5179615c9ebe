package dev.jmoe.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidationTest {
    @Test
    void medianErrorOverPublishedMeasurementsIsAtMost25Percent() {
        var cs = Validation.compare();
        for (var c : cs) {
            System.out.printf("%2d %-48s %-10s pred %8.2f meas %8.2f err %+6.1f%%%n", c.row().id(), c.row().system(), c.what(),
                    c.predicted(), c.measured(), 100 * c.error());
        }
        double med = Validation.medianAbsError(cs);
        System.out.printf("median |error| %.1f%%%n", med * 100);
        assertThat(med).isLessThanOrEqualTo(0.25);
    }

    @Test
    void seedEstimatesComeOutInTheirRangesOrOom() {
        for (var est : Validation.estimates()) {
            ModelSpec m = ModelCatalog.spec("deepseek-v3", "q4_k_m");
            PlanResult p = Planner.plan(new PlanRequest(m, est.hw().build(), Policy.parse(est.policy()), 4096, "f16", 0,
                    java.util.List.of(1), 512, Efficiency.profile(est.engine()), false));
            if (est.expectOom()) {
                assertThat(p.runs()).as(est.label()).isFalse();
            } else {
                assertThat(p.decode(1).tokensPerSecond()).as(est.label()).isBetween(est.low(), est.high());
            }
        }
    }
}
