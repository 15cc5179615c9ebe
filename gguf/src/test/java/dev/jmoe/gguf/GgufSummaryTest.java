package dev.jmoe.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufSummaryTest {
    @Test
    void countsBytesAndTypesOfAWrittenHeader(@TempDir Path tmp) {
        Path p = tmp.resolve("m.gguf");
        try (GgufWriter w = new GgufWriter(p)) {
            w.putString("general.architecture", "llama").putString("general.name", "t");
            w.addTensor("a", GgmlType.Q4_K, 256, 10);  // 2560 params, 1440 bytes
            w.addTensor("b", GgmlType.F32, 100);       // 100 params, 400 bytes
            w.addTensor("c", GgmlType.Q4_K, 512, 1);   // 512 params, 288 bytes
            w.writeHeaderOnly();
        }
        try (GgufFile f = GgufFile.openHeader(p)) {
            GgufSummary s = GgufSummary.of(f);
            assertThat(s.architecture()).isEqualTo("llama");
            assertThat(s.name()).isEqualTo("t");
            assertThat(s.tensorCount()).isEqualTo(3);
            assertThat(s.metadataCount()).isEqualTo(2);
            assertThat(s.parameterCount()).isEqualTo(3172);
            assertThat(s.tensorBytes()).isEqualTo(2128);
            assertThat(s.dataPresent()).isFalse();
            assertThat(s.bitsPerWeight()).isEqualTo(8.0 * 2128 / 3172);
            assertThat(s.types()).containsExactly(new GgufSummary.TypeStats(GgmlType.Q4_K, 2, 3072, 1728),
                    new GgufSummary.TypeStats(GgmlType.F32, 1, 100, 400));
            assertThat(s.types().get(0).bitsPerWeight()).isEqualTo(4.5);
        }
    }

    @Test
    void sharedModelTotalsMatchItsReadme() {
        Path p = SharedModels.require("dsv3-tiny-F32.gguf");
        try (GgufFile f = GgufFile.openHeader(p)) {
            GgufSummary s = GgufSummary.of(f);
            assertThat(s.parameterCount()).isEqualTo(2_726_960L);
            assertThat(s.tensorBytes()).isEqualTo(4 * 2_726_960L);
            assertThat(s.dataPresent()).isTrue();
            assertThat(s.types()).hasSize(1);
            assertThat(s.bitsPerWeight()).isEqualTo(32.0);
        }
    }

    @Test
    void humanUnits() {
        assertThat(GgufSummary.humanCount(671_026_419_200L)).isEqualTo("671.0 B");
        assertThat(GgufSummary.humanCount(2_726_960)).isEqualTo("2.7 M");
        assertThat(GgufSummary.humanCount(999_960)).isEqualTo("1.0 M");
        assertThat(GgufSummary.humanCount(260_000)).isEqualTo("260.0 K");
        assertThat(GgufSummary.humanCount(512)).isEqualTo("512");
        assertThat(GgufSummary.humanCount(Long.MAX_VALUE)).isEqualTo("9223372.0 T");
        assertThat(GgufSummary.humanBytes(10_924_960)).isEqualTo("10.42 MiB");
        assertThat(GgufSummary.humanBytes(1000)).isEqualTo("1000 B");
        assertThat(GgufSummary.humanBytes(405_493_800_000L)).isEqualTo("377.65 GiB");
    }
}
