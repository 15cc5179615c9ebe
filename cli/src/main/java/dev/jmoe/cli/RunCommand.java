package dev.jmoe.cli;

import dev.jmoe.model.LoadOptions.CacheType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.generate.Generation;
import dev.jmoe.model.generate.GenerationConfig;
import dev.jmoe.model.generate.GenerationStats;
import dev.jmoe.model.generate.Generator;
import dev.jmoe.model.generate.SamplerParams;
import dev.jmoe.model.generate.TokenListener;
import dev.jmoe.tensor.DotOrder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe run}: generate from a prompt, streaming the output, then report the timings. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generates from a prompt with a GGUF model, streams the output, then prints load time, time to "
                + "first token, prompt and generation tok/s, KV cache size and peak RSS on stderr.",
                "Sampling follows llama.cpp: penalties -> top-k -> top-p -> min-p -> temperature -> dist; "
                        + "--temp 0 is greedy."})
public final class RunCommand implements Callable<Integer> {

    /** The model and tokenizer source; tests replace it. */
    Backend backend = Backends.DEFAULT;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "prompt text (needs the tokenizer)")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", description = "prompt as token ids, e.g. 1,403,407")
        String ids;
    }

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "256",
            description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int nPredict;

    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8",
            description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "top-k, 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "top-p, 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "min-p, 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "repetition penalty, 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64",
            description = "tokens the penalties look back over, 0 = off, -1 = the context (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--presence-penalty", paramLabel = "P", defaultValue = "0", description = "presence penalty (default: ${DEFAULT-VALUE})")
    float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0", description = "frequency penalty (default: ${DEFAULT-VALUE})")
    float frequencyPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", defaultValue = "-1",
            description = "RNG seed, 0..4294967295; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-c", "--ctx"}, paramLabel = "C", defaultValue = "4096", description = "context length (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = {"-b", "--batch"}, paramLabel = "B", defaultValue = "512",
            description = "most prompt tokens per forward call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "kernel threads (default: the available processors)")
    Integer threads;

    @Option(names = "--experts", paramLabel = "K", description = "routed experts per token (default: the model's)")
    Integer experts;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f32", converter = CacheTypeConverter.class,
            description = "KV cache type: f32, f16, q8_0 (default: ${DEFAULT-VALUE})")
    CacheType cacheType;

    @Option(names = "--no-repack", negatable = false, description = "keep Q4_0 weights in the file's layout instead of copying them into the packed kernels' layout at load (slower; for memory-tight machines)")
    boolean noRepack;

    @Option(names = "--dot-order", paramLabel = "ORDER", defaultValue = "fast", converter = RunCommand.DotOrderConverter.class,
            description = "float order of the Q4_0/Q8_0 products: fast, or ggml (llama.cpp's bits, batch-independent, slower) (default: ${DEFAULT-VALUE})")
    DotOrder dotOrder;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when the output contains TEXT (repeatable; needs the tokenizer)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--chat", description = "wrap the -p prompt as one user message in the chat template")
    boolean chat;

    @Option(names = "--chat-template", paramLabel = "NAME|FILE",
            description = "with --chat: built-in template name or Jinja file (default: the model's tokenizer.chat_template)")
    String chatTemplate;

    @Option(names = "--check-finite", description = "stop with the layer and tensor name when a NaN or Inf appears")
    boolean checkFinite;

    @Option(names = "--dump-tensors", paramLabel = "FILE",
            description = "write every named intermediate of every forward pass (layer, name, sum, first values of each row) to FILE as JSON lines")
    Path dumpTensors;

    @Option(names = "--dump-filter", paramLabel = "NAMES", split = ",",
            description = "with --dump-tensors: only these intermediates (e.g. attn_norm,l_out,result_norm)")
    java.util.Set<String> dumpFilter = new java.util.HashSet<>();

    @Option(names = "--json", description = "print one JSON object (ids, text, timings) instead of streaming")
    boolean json;

    static final class DotOrderConverter implements picocli.CommandLine.ITypeConverter<DotOrder> {
        @Override
        public DotOrder convert(String value) {
            for (DotOrder o : DotOrder.values()) if (o.name().equalsIgnoreCase(value)) return o;
            throw new IllegalArgumentException("unknown --dot-order '" + value + "': use fast or ggml");
        }
    }

    static final class CacheTypeConverter implements picocli.CommandLine.ITypeConverter<CacheType> {
        @Override
        public CacheType convert(String value) {
            return CacheType.parse(value);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        Optional<TextCodec> codec = backend.textCodec(model);
        int[] promptIds;
        if (prompt.text != null) {
            if (codec.isEmpty()) {
                throw new IllegalArgumentException("text prompts need the tokenizer; use --prompt-ids");
            }
            promptIds = chat ? chatPrompt(prompt.text) : codec.get().tokenizer().encode(prompt.text);
        } else {
            promptIds = IdList.parse("--prompt-ids", prompt.ids, 0);
        }
        if (!stops.isEmpty() && codec.isEmpty()) {
            throw new IllegalArgumentException("--stop needs the tokenizer (text output)");
        }
        if (promptIds.length > ctx) {
            throw new IllegalArgumentException("the prompt has " + promptIds.length + " tokens, more than --ctx "
                    + ctx + ": raise --ctx or shorten the prompt");
        }
        int[] eog = codec.map(TextCodec::endOfGenerationIds).orElseGet(() -> backend.endOfGeneration(model));
        long usedSeed = seed >= 0 ? seed : ThreadLocalRandom.current().nextLong(1L << 32);
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();

        // the prompt is the largest forward this run makes: buffers sized for it, not for --batch (at DeepSeek-V3's
        // widths a 512-token micro-batch holds 0.35 GB of activations, a fifth of the 1.3 GB one-layer file)
        int microBatch = Math.max(1, Math.min(Math.min(batch, ctx), promptIds.length));
        long t0 = System.nanoTime();
        if (!dumpFilter.isEmpty() && dumpTensors == null) throw new IllegalArgumentException("--dump-filter needs --dump-tensors FILE");
        try (TensorDump dump = dumpTensors != null ? new TensorDump(dumpTensors, dumpFilter) : null;
             LanguageModel lm = backend.load(new LoadRequest(model, ctx, microBatch, nThreads, experts, cacheType, checkFinite, dump, dotOrder, !noRepack))) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            int lastN = repeatLastN < 0 ? lm.contextLength() : repeatLastN;
            SamplerParams sp = new SamplerParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                    presencePenalty, lastN, usedSeed, 0);
            GenerationConfig cfg = new GenerationConfig(nPredict, microBatch, eog, stops,
                    codec.map(TextCodec::detokenizer).orElse(null));
            PrintWriter out = spec.commandLine().getOut();
            TokenListener stream = json ? TokenListener.NONE : streamTo(out, codec.isPresent());
            Generation g = new Generator(lm).generate(promptIds, cfg, sp.build(lm.vocabSize()), stream);
            g = g.withStats(g.stats().withLoadSeconds(loadSeconds));
            if (json) {
                out.println(jsonOf(g, usedSeed));
            } else {
                out.println();
                out.flush();
                printStats(spec.commandLine().getErr(), g);
            }
            out.flush();
        }
        return 0;
    }

    /** The prompt as the single user message of a conversation, ending where the assistant's answer begins. */
    private int[] chatPrompt(String user) {
        Backends.ChatText t = Backends.chatText(model, chatTemplate);
        String text = t.template().renderPrompt(java.util.List.of(dev.jmoe.model.tokenizer.ChatMessage.user(user)), true, t.tokenizer());
        return t.tokenizer().encode(text, true, true);
    }

    private void validate() {
        if (chat && prompt.text == null) throw new IllegalArgumentException("--chat needs a text prompt (-p)");
        if (chatTemplate != null && !chat) throw new IllegalArgumentException("--chat-template needs --chat");
        if (nPredict < 0) throw new IllegalArgumentException("-n must be >= 0, got " + nPredict);
        if (ctx < 1) throw new IllegalArgumentException("--ctx must be >= 1, got " + ctx);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (experts != null && experts < 1) throw new IllegalArgumentException("--experts must be >= 1, got " + experts);
        if (seed < -1 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("--seed must be in 0..4294967295 (or -1 for random), got " + seed);
        }
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("--temp is not a number");
        if (!(topP >= 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in [0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("--min-p must be in [0, 1], got " + minP);
        if (!(repeatPenalty > 0)) throw new IllegalArgumentException("--repeat-penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN < -1) throw new IllegalArgumentException("--repeat-last-n must be >= -1, got " + repeatLastN);
    }

    private static TokenListener streamTo(PrintWriter out, boolean text) {
        boolean[] first = {true};
        return (id, piece) -> {
            if (text) {
                out.print(piece);
            } else {
                if (!first[0]) out.print(' ');
                out.print(id);
            }
            first[0] = false;
            out.flush();
        };
    }

    static String jsonOf(Generation g, long seed) throws Exception {
        GenerationStats s = g.stats();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("load_s", s.loadSeconds());
        t.put("ttft_s", s.ttftSeconds());
        t.put("prompt_tokens", s.promptTokens());
        t.put("prompt_s", s.promptSeconds());
        t.put("prompt_tok_s", s.promptTokensPerSecond());
        t.put("generated_tokens", s.generatedTokens());
        t.put("generation_s", s.generationSeconds());
        t.put("generation_tok_s", s.generationTokensPerSecond());
        t.put("kv_cache_bytes", s.kvCacheBytes());
        t.put("peak_rss_bytes", s.peakRssBytes());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("prompt_ids", g.promptIds());
        o.put("generated_ids", g.generatedIds());
        o.put("text", g.text());
        o.put("stop_reason", g.stopReason().name().toLowerCase(Locale.ROOT));
        o.put("seed", seed);
        o.put("timings", t);
        return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    static void printStats(PrintWriter err, Generation g) {
        GenerationStats s = g.stats();
        err.printf(Locale.ROOT, "load time      %s%n", s.loadSeconds() == null ? "n/a" : String.format(Locale.ROOT, "%.3f s", s.loadSeconds()));
        err.printf(Locale.ROOT, "first token    %s%n", s.ttftSeconds() == null ? "n/a" : String.format(Locale.ROOT, "%.3f s (TTFT)", s.ttftSeconds()));
        err.printf(Locale.ROOT, "prompt         %d tokens in %.3f s, %s%s%n", s.promptTokens(), s.promptSeconds(), rate(s.promptTokensPerSecond()),
                s.cachedTokens() > 0 ? " (after " + s.cachedTokens() + " cached)" : "");
        err.printf(Locale.ROOT, "generation     %d tokens in %.3f s, %s%n", s.generatedTokens(), s.generationSeconds(), rate(s.generationTokensPerSecond()));
        err.printf(Locale.ROOT, "KV cache       %s%n", Units.bytes(s.kvCacheBytes()));
        err.printf(Locale.ROOT, "peak RSS       %s%n", s.peakRssBytes() == null ? "n/a" : Units.bytes(s.peakRssBytes()));
        err.printf(Locale.ROOT, "stopped by     %s%n", g.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        err.flush();
    }

    private static String rate(Double tps) {
        return tps == null ? "n/a tok/s" : String.format(Locale.ROOT, "%.2f tok/s", tps);
    }
}
