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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jmoe serve}: the OpenAI-compatible API with continuous batching (module server). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions with SSE "
                + "streaming, /v1/models, /health, /metrics): up to --parallel sequences decode together in one forward pass."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = {"-np", "--parallel"}, defaultValue = "4", description = "sequences decoded together, one KV slot each (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = {"-c", "--ctx"}, defaultValue = "4096", description = "context per sequence: prompt + max_tokens must fit (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--queue", defaultValue = "64", description = "requests that may wait for a slot; beyond, 503 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require Authorization: Bearer KEY on /v1/*")
    String apiKey;

    @Option(names = "--chat-template", paramLabel = "NAME|FILE", description = "chat template: built-in name or Jinja file (default: the model's)")
    String chatTemplate;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "kernel threads (default: the available processors)")
    Integer threads;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f16", converter = RunCommand.CacheTypeConverter.class,
            description = "KV cache type: f32, f16, q8_0 (default: ${DEFAULT-VALUE})")
    CacheType cacheType;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "1048576", description = "largest request body (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        if (ctx < 2) throw new IllegalArgumentException("--ctx must be >= 2, got " + ctx);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        String name = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        ServerOptions opt = new ServerOptions(host, port, name, parallel, queue, apiKey, maxBody, 64);
        Tokenizer tok;
        ChatTemplate template;
        try (GgufFile f = GgufFile.openHeader(model)) {
            if (!f.metadata().has("tokenizer.ggml.model")) throw new IllegalArgumentException(model + " has no tokenizer (tokenizer.ggml.model): the server needs one");
            tok = Tokenizer.fromMetadata(f.metadata());
            template = chatTemplate != null ? ChatTemplate.resolve(chatTemplate, tok)
                    : f.metadata().has("tokenizer.chat_template") ? ChatTemplate.forModel(f.metadata(), tok) : null;
        }
        var err = spec.commandLine().getErr();
        java.util.logging.Logger.getLogger("io.helidon").setLevel(java.util.logging.Level.WARNING); // our own line says where it listens
        if (template == null) err.println("note: the model has no chat template; /v1/chat/completions answers 400 (use --chat-template NAME|FILE)");
        LoadOptions lo = LoadOptions.defaults().withContextLength(ctx).withSlots(parallel).withCacheType(cacheType)
                .withMaxBatch(parallel + opt.prefillChunk()).withThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors());
        try (LanguageModel lm = ModelLoader.load(model, lo); OpenAiServer server = OpenAiServer.start(lm, tok, template, opt)) {
            err.printf("jmoe serve: %s on http://%s:%d — %d slots × %d context, KV cache %s%n", name, host, server.port(), parallel, ctx,
                    Units.bytes(lm.kvCacheBytes()));
            err.flush();
            CountDownLatch stop = new CountDownLatch(1);
            // SIGTERM / SIGINT: stop accepting, end in-flight requests, exit 0
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> stop.countDown());
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> stop.countDown());
            stop.await();
            err.println("jmoe serve: stopping");
        }
        return 0;
    }
}
