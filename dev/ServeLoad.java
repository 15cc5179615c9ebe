// Load test for `jmoe serve`: for each concurrency level, that many clients each stream `--requests-per-client`
// completions back to back; prints aggregate tok/s (completion tokens / wall time), per-request decode tok/s and
// client-side TTFT. Bounded: each level stops starting requests after `--max-seconds`.
// Run: java dev/ServeLoad.java http://127.0.0.1:8080 [--levels 1,4,8,16] [--max-tokens 32] [--requests-per-client 2] [--max-seconds 120]
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class ServeLoad {
    record Result(double ttftMs, int tokens, double decodeTokPerS, double totalMs) {}

    static final Pattern COMPLETION = Pattern.compile("\"completion_tokens\":(\\d+)");
    static final Pattern PREDICTED = Pattern.compile("\"predicted_per_second\":([0-9.Ee+-]+)");

    public static void main(String[] args) throws Exception {
        String base = args[0];
        int[] levels = {1, 4, 8, 16};
        int maxTokens = 32, perClient = 2;
        long maxSeconds = 120;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--levels" -> levels = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--max-tokens" -> maxTokens = Integer.parseInt(args[i + 1]);
                case "--requests-per-client" -> perClient = Integer.parseInt(args[i + 1]);
                case "--max-seconds" -> maxSeconds = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        one(http, base, "warm-up", maxTokens); // JIT and page cache
        System.out.printf(Locale.ROOT, "%-7s %5s %7s %10s %12s %12s %10s %10s%n", "streams", "reqs", "tokens", "wall s", "agg tok/s",
                "req tok/s", "TTFT p50", "TTFT max");
        double single = 0;
        for (int c : levels) {
            long t0 = System.nanoTime(), deadline = t0 + maxSeconds * 1_000_000_000L;
            List<Result> results = Collections.synchronizedList(new ArrayList<>());
            final int mt = maxTokens, pc = perClient;
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int k = 0; k < c; k++) {
                    final int client = k;
                    fs.add(ex.submit(() -> {
                        for (int r = 0; r < pc && System.nanoTime() < deadline; r++) results.add(one(http, base, "Hi " + client, mt));
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            int tokens = results.stream().mapToInt(Result::tokens).sum();
            double agg = tokens / wall;
            if (c == levels[0]) single = agg;
            List<Double> ttft = results.stream().map(Result::ttftMs).sorted().toList();
            double perReq = results.stream().mapToDouble(Result::decodeTokPerS).average().orElse(0);
            System.out.printf(Locale.ROOT, "%-7d %5d %7d %10.1f %12.2f %12.2f %8.0f ms %7.0f ms%s%n", c, results.size(), tokens, wall, agg, perReq,
                    ttft.get(ttft.size() / 2), ttft.getLast(), c == levels[0] ? "" : String.format(Locale.ROOT, "   (%.2fx)", agg / single));
        }
    }

    static Result one(HttpClient http, String base, String prompt, int maxTokens) throws Exception {
        String body = "{\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        long t0 = System.nanoTime();
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new IllegalStateException("status " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        double ttft = -1, decode = 0;
        int tokens = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                if (ttft < 0) ttft = (System.nanoTime() - t0) / 1e6;
                Matcher m = COMPLETION.matcher(line);
                if (m.find()) tokens = Integer.parseInt(m.group(1));
                Matcher p = PREDICTED.matcher(line);
                if (p.find()) decode = Double.parseDouble(p.group(1));
            }
        }
        return new Result(ttft, tokens, decode, (System.nanoTime() - t0) / 1e6);
    }
}
