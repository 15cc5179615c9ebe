package dev.jmoe.bench;

import dev.jmoe.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Tokenizer throughput (JMH; not run by {@code verify}). Text: llama.cpp's vocab test strings and jmoe's fuzz strings,
 * repeated to about 64 KiB. Run:
 * <pre>
 * ./mvnw -q -pl model -am test-compile
 * java -cp "$(cat cp.txt):model/target/classes:model/target/test-classes" dev.jmoe.bench.TokenizerBench
 * </pre>
 * (cp.txt from {@code ./mvnw -q -pl model dependency:build-classpath -Dmdep.outputFile=cp.txt}); main prints MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TokenizerBench {
    @Param({"qwen2", "llama-bpe", "deepseek-llm", "llama-spm"})
    public String vocab;

    Tokenizer tok;
    String text;
    int[] ids;

    static Path shared() {
        String p = System.getProperty("jmoe.shared", "../shared");
        return Path.of(p, "models");
    }

    @Setup
    public void setup() throws IOException {
        Path gguf = shared().resolve("vocab/ggml-vocab-" + vocab + ".gguf");
        tok = Tokenizer.open(gguf);
        text = corpus(gguf);
        ids = tok.encode(text, false, false);
    }

    static String corpus(Path gguf) throws IOException {
        String base = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8).replace("\n__ggml_vocab_test__\n", "\n");
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 64 * 1024) sb.append(base);
        return sb.toString();
    }

    @Benchmark
    public int[] encode() {
        return tok.encode(text, false, false);
    }

    @Benchmark
    public byte[] decode() {
        return tok.decodeBytes(ids, false);
    }

    public static void main(String[] args) throws Exception {
        var opts = new OptionsBuilder().include(TokenizerBench.class.getSimpleName())
                .jvmArgsAppend("-Djmoe.shared=" + System.getProperty("jmoe.shared", "../shared"));
        for (String a : args) opts.param("vocab", a);
        for (RunResult r : new Runner(opts.build()).run()) {
            String v = r.getParams().getParam("vocab");
            Path gguf = shared().resolve("vocab/ggml-vocab-" + v + ".gguf");
            double mb = corpus(gguf).getBytes(StandardCharsets.UTF_8).length / 1e6;
            System.out.printf("%-12s %-7s %8.2f MB/s%n", v, r.getParams().getBenchmark().replaceAll(".*\\.", ""), r.getPrimaryResult().getScore() * mb);
        }
    }
}
