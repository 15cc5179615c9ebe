package dev.jmoe.cli;

import dev.jmoe.gguf.GgufFile;
import dev.jmoe.model.LanguageModel;
import dev.jmoe.model.LoadOptions;
import dev.jmoe.model.LoadOptions.CacheType;
import dev.jmoe.model.ModelLoader;
import dev.jmoe.model.tokenizer.ChatTemplate;
import dev.jmoe.model.tokenizer.Tokenizer;
import dev.jmoe.server.OpenAiServer;
import dev.jmoe.server.ServerOptions;
import dev.jmoe.tensor.DotOrder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe serve}: the OpenAI-compatible HTTP API over one model, until SIGTERM / SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves a GGUF model over an OpenAI-compatible HTTP API: GET /v1/models, POST /v1/completions, "
                + "POST /v1/chat/completions (stream: true for server-sent events), GET /health, GET /metrics (Prometheus).",
                "Up to --parallel requests decode together in one forward pass per step (continuous batching); more wait "
                        + "in a queue of --queue, beyond which the server answers 503 with Retry-After.",
                "SIGTERM or SIGINT: new requests get 503, running ones may finish for --shutdown-grace seconds, then the "
                        + "server exits with status 0."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Counted down by SIGTERM / SIGINT, or by a test, to stop the server. */
    final CountDownLatch stop = new CountDownLatch(1);

    /** The running server, for tests (null before it starts). */
    volatile OpenAiServer server;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 = every interface)")
    String host;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8080", description = "TCP port, 0 = any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N", defaultValue = "4",
            description = "sequences decoded together (KV slots; default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = {"-c", "--ctx"}, paramLabel = "C", defaultValue = "4096",
            description = "context length of each slot: prompt + max_tokens must fit (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--queue", paramLabel = "Q", defaultValue = "64",
            description = "requests that may wait for a slot; more get 503 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "require Authorization: Bearer KEY on /v1/* (default: $JMOE_API_KEY, else none)")
    String apiKey;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "kernel threads (default: the available processors)")
    Integer threads;

    @Option(names = "--chat-template", paramLabel = "NAME|FILE",
            description = "built-in template name or Jinja file (default: the model's tokenizer.chat_template; without "
                    + "either, /v1/chat/completions answers 400)")
    String chatTemplate;

    @Option(names = "--prefill-chunk", paramLabel = "N", defaultValue = "64",
            description = "most prompt tokens prefilled per step beside the running decodes (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "1048576",
            description = "largest request body; larger ones get 413 (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f32", converter = RunCommand.CacheTypeConverter.class,
            description = "KV cache type: f32, f16, q8_0 (default: ${DEFAULT-VALUE})")
    CacheType cacheType;

    @Option(names = "--no-repack", negatable = false, description = "keep Q4_0 weights in the file's layout instead of copying them into the packed kernels' layout at load (slower; for memory-tight machines)")
    boolean noRepack;

    @Option(names = "--dot-order", paramLabel = "ORDER", defaultValue = "fast", converter = RunCommand.DotOrderConverter.class,
            description = "float order of the Q4_0/Q8_0 products: fast, or ggml (llama.cpp's bits, batch-independent, slower) (default: ${DEFAULT-VALUE})")
    DotOrder dotOrder;

    @Option(names = "--alias", paramLabel = "NAME", description = "model id in /v1/models and responses (default: the file name without .gguf)")
    String alias;

    @Option(names = "--shutdown-grace", paramLabel = "S", defaultValue = "30",
            description = "seconds running requests may take to finish after SIGTERM (default: ${DEFAULT-VALUE})")
    int grace;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        if (ctx < 2) throw new IllegalArgumentException("--ctx must be >= 2, got " + ctx);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (grace < 0) throw new IllegalArgumentException("--shutdown-grace must be >= 0, got " + grace);
        if (apiKey == null) apiKey = System.getenv("JMOE_API_KEY");
        String name = alias != null ? alias : model.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        ServerOptions opt = ServerOptions.defaults(name).withHost(host).withPort(port).withParallel(parallel).withQueue(queue)
                .withApiKey(apiKey).withMaxBodyBytes(maxBody).withPrefillChunk(prefillChunk); // validates before the load
        Tokenizer tok;
        ChatTemplate template;
        try (GgufFile f = GgufFile.openHeader(model)) {
            if (!f.metadata().has("tokenizer.ggml.model")) throw new IllegalArgumentException("serving needs the tokenizer, and " + model + " has none (tokenizer.ggml.model)");
            tok = Tokenizer.fromMetadata(f.metadata());
            template = chatTemplate != null ? ChatTemplate.resolve(chatTemplate, tok)
                    : f.metadata().has("tokenizer.chat_template") ? ChatTemplate.forModel(f.metadata(), tok) : null;
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        LoadOptions lo = LoadOptions.defaults().withContextLength(ctx).withSlots(parallel).withThreads(nThreads)
                .withMaxBatch(parallel + prefillChunk).withCacheType(cacheType).withDotOrder(dotOrder).withRepack(!noRepack);
        try (LanguageModel lm = ModelLoader.load(model, lo)) {
            OpenAiServer s = OpenAiServer.start(lm, tok, template, opt);
            server = s;
            err.printf(Locale.ROOT, "jmoe serve: %s loaded in %.2f s; %d slots x %d context, %d threads, KV cache %s, chat template %s%n",
                    name, (System.nanoTime() - t0) / 1e9, parallel, ctx, nThreads, Units.bytes(lm.kvCacheBytes()),
                    template == null ? "none (/v1/chat/completions answers 400)" : template.name());
            err.printf(Locale.ROOT, "jmoe serve: listening on http://%s:%d%s%n", host, s.port(), apiKey != null ? " (API key required)" : "");
            err.flush();
            Signals signals = Signals.onTerminate(stop::countDown);
            try {
                stop.await();
                err.printf(Locale.ROOT, "jmoe serve: stopping (running requests have %d s to finish)%n", grace);
                err.flush();
                s.shutdown(Duration.ofSeconds(grace));
            } finally {
                signals.close();
            }
            err.println("jmoe serve: stopped");
            err.flush();
        }
        return 0;
    }
}
