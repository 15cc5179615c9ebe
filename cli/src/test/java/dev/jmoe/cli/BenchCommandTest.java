package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @TempDir
    Path dir;
    String a;
    String b;
    FakeBackend backend = new FakeBackend();

    @BeforeEach
    void models() throws Exception {
        a = Files.writeString(dir.resolve("a.gguf"), "x").toString();
        b = Files.writeString(dir.resolve("b.gguf"), "x").toString();
    }

    static List<String> cells(String row) {
        String inner = row.trim();
        inner = inner.substring(1, inner.length() - 1);
        return Arrays.stream(inner.split("\\|", -1)).map(String::trim).toList();
    }

    @Test
    void markdownIsLlamaBenchsTable() {
        CliRun r = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a, "-p", "8", "-n", "4", "-r", "3", "-t", "1,2");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(cells(lines.get(0))).containsExactly("model", "size", "params", "backend", "threads", "test", "t/s");
        assertThat(lines.get(0)).isEqualTo("| model                          |       size |     params | backend    "
                + "| threads |            test |                  t/s |");
        assertThat(lines.get(1)).isEqualTo("| ------------------------------ | ---------: | ---------: | ---------- "
                + "| ------: | --------------: | -------------------: |");
        List<String> rows = lines.subList(2, 6);
        assertThat(rows).allSatisfy(row -> {
            List<String> c = cells(row);
            assertThat(c.get(0)).isEqualTo("deepseek2 2.7M Q8_0");
            assertThat(c.get(1)).isEqualTo("2.86 MiB");
            assertThat(c.get(2)).isEqualTo("2.73 M");
            assertThat(c.get(3)).isEqualTo("CPU");
            assertThat(c.get(6)).matches("\\d+\\.\\d\\d ± \\d+\\.\\d\\d");
            assertThat(row.length()).isGreaterThanOrEqualTo(lines.get(0).length()); // wider only when t/s overflows 20
        });
        assertThat(rows.stream().map(row -> cells(row).get(4) + " " + cells(row).get(5)))
                .containsExactly("1 pp8", "1 tg4", "2 pp8", "2 tg4");
        assertThat(lines.get(6)).isEmpty();
        assertThat(lines.get(7)).startsWith("build: jmoe ");
        assertThat(backend.loads).hasSize(2);
        assertThat(backend.loads.get(1)).isEqualTo(new LoadRequest(Path.of(a), 8, 8, 2, null, CacheType.F32));
        // per thread count: (warmup + 3) prefills + (4 warmup + 3·4) decodes
        assertThat(backend.forwards).isEqualTo(2 * (4 + 16));
        assertThat(r.err().lines()).contains("pp8, 2 threads: warmed up by 1 run in 0.0 s");
    }

    @Test
    void jsonIsAnArrayOfLlamaBenchObjects() throws Exception {
        CliRun r = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a + "," + b, "-p", "8,16", "-n", "0", "-r", "2", "-t", "1",
                "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr.isArray()).isTrue();
        assertThat(arr.size()).isEqualTo(4);
        JsonNode first = arr.get(0);
        for (String k : List.of("build_commit", "cpu_info", "backends", "model_filename", "model_type", "model_size",
                "model_n_params", "n_batch", "n_threads", "type_k", "type_v", "n_prompt", "n_gen", "test_time",
                "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts")) {
            assertThat(first.has(k)).as(k).isTrue();
        }
        assertThat(first.has("predicted_ts")).isFalse();
        assertThat(first.get("n_prompt").asInt()).isEqualTo(8);
        assertThat(arr.get(1).get("n_prompt").asInt()).isEqualTo(16);
        assertThat(arr.get(2).get("model_filename").asText()).isEqualTo(b);
        assertThat(first.get("samples_ns").size()).isEqualTo(2);
        double ts0 = first.get("samples_ts").get(0).asDouble();
        assertThat(ts0).isCloseTo(1e9 * 8 / first.get("samples_ns").get(0).asLong(), org.assertj.core.api.Assertions.within(1e-6 * ts0));
        assertThat(first.get("type_k").asText()).isEqualTo("f32");
    }

    @Test
    void csvHasAHeaderAndQuotedRows() {
        CliRun r = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a, "-p", "4", "-n", "2", "-r", "1", "-t", "1", "-o", "csv");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        List<String> header = List.of(lines.get(0).split(","));
        assertThat(header).contains("model_type", "n_prompt", "n_gen", "avg_ts", "stddev_ts").doesNotContain("samples_ns");
        for (String row : lines.subList(1, 3)) {
            assertThat(row).startsWith("\"").endsWith("\"");
            String[] values = row.substring(1, row.length() - 1).split("\",\"", -1);
            assertThat(values).hasSameSizeAs(header.toArray());
            assertThat(values[header.indexOf("avg_ts")]).matches("\\d+\\.\\d{6}");
            assertThat(Double.parseDouble(values[header.indexOf("avg_ts")])).isPositive();
        }
        assertThat(lines.get(1)).contains("\"4\",\"0\"");
        assertThat(lines.get(2)).contains("\"0\",\"2\"");
    }

    @Test
    void aPlannerPredictionGetsItsOwnColumn() {
        CliRun r = CliRun.run(backend, (file, info, p, n, s, t, d) -> p > 0 ? 100.0 : null,
                "bench", "--warmup-time", "0", "-m", a, "-p", "4", "-n", "2", "-r", "1", "-t", "1");
        List<String> lines = r.out().lines().toList();
        assertThat(cells(lines.get(0))).endsWith("t/s", "plan t/s");
        assertThat(cells(lines.get(2))).last().isEqualTo("100.00");
        assertThat(cells(lines.get(3))).last().isEqualTo("");
    }

    @Test
    void decodeRowsShowTheWeightBandwidthTheyReached() throws Exception {
        CliRun r = CliRun.run(backend, null, (file, k) -> 2e9, "bench", "--warmup-time", "0", "-m", a, "-p", "4", "-n", "2", "-r", "1", "-t", "1");
        List<String> lines = r.out().lines().toList();
        assertThat(cells(lines.get(0))).endsWith("t/s", "GB/s");
        assertThat(cells(lines.get(2)).getLast()).isEmpty(); // pp
        double ts = Double.parseDouble(cells(lines.get(3)).get(6).split(" ")[0]);
        assertThat(Double.parseDouble(cells(lines.get(3)).getLast())).isCloseTo(2 * ts, org.assertj.core.api.Assertions.within(0.05 + 0.001 * ts));
        JsonNode arr = new ObjectMapper().readTree(CliRun.run(backend, null, (file, k) -> 2e9, "bench", "--warmup-time", "0", "-m", a, "-p", "0",
                "-n", "2", "-r", "1", "-t", "1", "-o", "json").out());
        JsonNode tg = arr.get(0);
        assertThat(tg.get("bytes_per_token").asDouble()).isEqualTo(2e9);
        assertThat(tg.get("read_gbs").asDouble()).isCloseTo(2 * tg.get("avg_ts").asDouble(), org.assertj.core.api.Assertions.within(1e-9 * tg.get("avg_ts").asDouble()));
    }

    @Test
    void parallelDecodeRunsSeveralSequencesInOneBatchPerStep() throws Exception {
        Path tiny = dev.jmoe.gguf.SharedModels.require("dsv3-tiny-Q8_0.gguf");
        BenchCommand.Predictor bySeqs = (file, info, p, n, s, t, d) -> 10.0 * s; // the planner is asked for each row's S
        CliRun r = CliRun.run(null, bySeqs, "bench", "--warmup-time", "0", "-m", tiny.toString(), "-p", "0", "-n", "4", "--parallel", "1,3",
                "-r", "2", "-t", "1", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr.size()).isEqualTo(2);
        assertThat(arr.get(0).get("n_parallel").asInt()).isEqualTo(1);
        JsonNode par = arr.get(1);
        assertThat(par.get("n_parallel").asInt()).isEqualTo(3);
        assertThat(par.get("n_gen").asInt()).isEqualTo(4);
        assertThat(arr.get(0).get("predicted_ts").asDouble()).isEqualTo(10.0);
        assertThat(par.get("predicted_ts").asDouble()).isEqualTo(30.0);
        // t/s counts the tokens of all three sequences
        long ns = par.get("samples_ns").get(0).asLong();
        assertThat(par.get("samples_ts").get(0).asDouble()).isCloseTo(1e9 * 12 / ns, org.assertj.core.api.Assertions.within(1e-6 * 1e9 * 12 / ns));
        String md = CliRun.run(null, (BenchCommand.Predictor) null, "bench", "--warmup-time", "0", "-m", tiny.toString(), "-p", "0", "-n", "2", "--parallel", "2",
                "-r", "1", "-t", "1").out();
        assertThat(cells(md.lines().toList().get(2)).get(5)).isEqualTo("tg2x2");
    }

    @Test
    void depthRowsRunAfterThatManyCachedTokens() throws Exception {
        Path tiny = dev.jmoe.gguf.SharedModels.require("dsv3-tiny-Q8_0.gguf");
        BenchCommand.Predictor byDepth = (file, info, p, n, s, t, d) -> 100.0 + d; // the planner is asked for each row's depth
        CliRun r = CliRun.run(null, byDepth, "bench", "--warmup-time", "0", "-m", tiny.toString(), "-p", "4", "-n", "3", "-d", "0,20",
                "-r", "1", "-t", "1", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr.size()).isEqualTo(4);
        assertThat(arr.findValues("n_depth")).extracting(JsonNode::asInt).containsExactly(0, 0, 20, 20);
        assertThat(arr.get(3).get("n_gen").asInt()).isEqualTo(3);
        assertThat(arr.get(3).get("predicted_ts").asDouble()).isEqualTo(120.0);
        String md = CliRun.run(null, (BenchCommand.Predictor) null, "bench", "--warmup-time", "0", "-m", tiny.toString(), "-p", "4", "-n", "2",
                "-d", "16", "-r", "1", "-t", "1").out();
        assertThat(cells(md.lines().toList().get(2)).get(5)).isEqualTo("pp4 @ d16");
        assertThat(cells(md.lines().toList().get(3)).get(5)).isEqualTo("tg2 @ d16");
    }

    @Test
    void depthNeedsAContextForItAndTheTest() {
        CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a, "-p", "8", "-n", "2", "-d", "100,30", "-r", "1", "-t", "1");
        assertThat(backend.loads.getFirst().contextLength()).isEqualTo(108);
        assertThat(backend.loads.getFirst().maxBatch()).isEqualTo(100); // the depth's prefill goes in batches, not token by token
        CliRun r = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a, "-p", "0", "-n", "2", "-d", "10", "--parallel", "2", "-r", "1");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("-d with --parallel above 1 is not supported");
    }

    @Test
    void parallelSequencesAskTheLoaderForAsManySlots() {
        CliRun r = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a, "-p", "0", "-n", "2", "--parallel", "4", "-r", "1", "-t", "1");
        assertThat(backend.loads.getFirst().slots()).isEqualTo(4);
        // the fake model has one slot: the test names what is missing
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("4 parallel sequences need as many KV slots, the model has 1");
    }

    @Test
    void badArgumentsAreNamed() {
        assertError("jmoe bench: bad --parallel: 0 (item 1) is below 1", "--parallel", "0");
        assertError("jmoe bench: nothing to measure: -p and -n are both 0", "-p", "0", "-n", "0");
        assertError("jmoe bench: -r must be >= 1, got 0", "-r", "0");
        assertError("jmoe bench: unknown -o format 'xml': use md, json or csv", "-o", "xml");
        assertError("jmoe bench: bad -t: 0 (item 1) is below 1", "-t", "0");
        assertError("jmoe bench: bad -p: 'abc' (item 1) is not an integer", "-p", "abc");
        assertError("jmoe bench: bad -d: -5 (item 1) is below 0", "-d", "-5");
        CliRun negative = CliRun.run(backend, "bench", "--warmup-time=-1", "-m", a);
        assertThat(negative.exit()).isEqualTo(1);
        assertThat(negative.err()).startsWith("jmoe bench: --warmup-time must be 0 to 3600 seconds, got -1.0");
        assertThat(CliRun.run(backend, "bench", "--warmup-time", "NaN", "-m", a).err()).startsWith("jmoe bench: --warmup-time must be 0 to 3600 seconds, got NaN");
        CliRun missing = CliRun.run(backend, "bench", "--warmup-time", "0", "-m", a + "," + dir.resolve("none.gguf"));
        assertThat(missing.err()).startsWith("jmoe bench: model file not found");
        assertThat(backend.loads).isEmpty();
    }

    private void assertError(String message, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("bench", "--warmup-time", "0", "-m", a));
        args.addAll(List.of(extra));
        CliRun r = CliRun.run(backend, args.toArray(String[]::new));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith(message);
        assertThat(r.out()).isEmpty();
    }
}
