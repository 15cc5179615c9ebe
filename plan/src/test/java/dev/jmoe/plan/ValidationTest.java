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
}
