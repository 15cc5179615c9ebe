package dev.jmoe.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmoe.gguf.SharedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Predictions for this machine from a calibration file: the one {@code jmoe calibrate} wrote in session 7 (2 cores). */
class ThisMachineTest {

    static ThisMachine fixture() throws Exception {
        Path f = Path.of(ThisMachineTest.class.getResource("/calibration-2core.json").toURI());
        return ThisMachine.load(f).orElseThrow();
    }

    @Test
    void severalSequencesDecodeMoreTogetherAndEachMoreSlowly() throws Exception {
        Path tiny = SharedModels.require("dsv3-tiny-Q8_0.gguf");
        ThisMachine tm = fixture();
        double one = tm.predict(tiny, 0, 32, 2), alsoOne = tm.predict(tiny, 0, 32, 1, 2);
        double four = tm.predict(tiny, 0, 32, 4, 2), eight = tm.predict(tiny, 0, 32, 8, 2);
        assertThat(alsoOne).isEqualTo(one);
        // a step of S tokens reads the dense weights once and the union of their experts: more tokens per second in
        // all, fewer per sequence
        assertThat(four).isGreaterThan(one).isLessThan(4 * one);
        assertThat(eight).isGreaterThan(four).isLessThan(2 * four);
    }

    @Test
    void prefillIgnoresTheSequenceCount() throws Exception {
        Path tiny = SharedModels.require("dsv3-tiny-Q8_0.gguf");
        ThisMachine tm = fixture();
        assertThat(tm.predict(tiny, 64, 0, 4, 2)).isEqualTo(tm.predict(tiny, 64, 0, 2));
    }

    @Test
    void decodeAtADepthIsSlowerAndPrefillAtADepthIsNotPredicted() throws Exception {
        Path tiny = SharedModels.require("dsv3-tiny-Q8_0.gguf");
        ThisMachine tm = fixture();
        assertThat(tm.predict(tiny, 0, 32, 1, 2, 0)).isEqualTo(tm.predict(tiny, 0, 32, 2));
        // the steps read a cache at 4096 + 16 positions on average instead of 16
        assertThat(tm.predict(tiny, 0, 32, 1, 2, 4096)).isLessThan(tm.predict(tiny, 0, 32, 2));
        assertThat(tm.predict(tiny, 64, 0, 1, 2, 4096)).isNaN();
    }
}
