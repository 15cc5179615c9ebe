package dev.jmoe.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {
    @Test
    @SuppressWarnings("unchecked")
    void measuresSavesAndBecomesHardware(@TempDir Path tmp) throws Exception {
        Map<String, Object> m = Calibration.measure(2, tmp, 16L << 20, 4L << 20, 5); // 2 threads: the pool's threads read the buffers
        assertThat((Double) m.get("stream_read_gbs")).isPositive();
        assertThat((Map<String, Double>) m.get("matvec_gbs")).containsKeys("Q8_0", "IQ1_M", "IQ2_XXS", "IQ4_XS") // IQ: random blocks
                .allSatisfy((k, v) -> assertThat(v).isPositive().isFinite());
        assertThat((Double) m.get("matmul_gflops")).isPositive();
        assertThat((Map<String, Double>) m.get("matmul_gflops_by_type")).containsKeys("Q8_0", "Q4_0").allSatisfy((k, v) -> assertThat(v).isPositive());
        assertThat((Double) m.get("call_us")).isPositive();
        assertThat((Map<String, Double>) m.get("expert_matvec_gbs")).containsKeys("Q8_0", "Q4_0", "Q4_K").allSatisfy((k, v) -> assertThat(v).isPositive());
        assertThat(m).containsKeys("wide_matvec_gbs", "narrow_row_cols");
        assertThat(((Map<String, Double>) m.get("wide_matvec_gbs")).keySet()).isEqualTo(((Map<String, Integer>) m.get("narrow_row_cols")).keySet());
        assertThat((Map<String, Integer>) m.get("tile_tokens")).containsKeys("Q4_0", "Q4_K").allSatisfy((k, v) -> assertThat(v).isBetween(1, 4));
        Path f = tmp.resolve("hardware.json");
        Calibration.save(m, f);
        HardwareSpec hs = HardwareFile.read(f);
        Hardware.Cluster c = hs.build();
        assertThat(c.first().cpu().name()).isEqualTo("this");
        assertThat(c.first().cpu().bandwidthGBs()).isEqualTo((Double) m.get("stream_read_gbs"));
        Efficiency e = Calibration.efficiency(new ObjectMapper().readTree(f.toFile()));
        assertThat(e.cpuBw()).isBetween(0.0, 1.0);
        assertThat(e.source()).contains("calibrate");
        assertThat(e.cpuCallMs()).isEqualTo((Double) m.get("call_us") / 1e3);
        assertThat(e.kernels()).isNotNull();
        assertThat(e.kernels().expertGbs()).containsKey("Q4_0");
    }

    @Test
    void yamlHardwareFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("rig.yaml");
        java.nio.file.Files.writeString(f, "gpus: 2x rtx3090\ncpu: epyc-9654\nram: 768G\n");
        Hardware.Cluster c = HardwareFile.read(f).build();
        assertThat(c.first().gpus()).hasSize(2);
        assertThat(c.first().ramBytes()).isEqualTo(768L << 30);
    }
}
