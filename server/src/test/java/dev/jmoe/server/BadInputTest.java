package dev.jmoe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed, hostile and impossible requests: a 4xx with an OpenAI-style error, and the server keeps serving. */
class BadInputTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        // a long context, so the stream the disconnect test cuts is still running whatever the machine's load
        s = new TestServer(TestServer.model(dir), ServerOptions.defaults("dsv3-tiny").withParallel(2).withMaxBodyBytes(64 * 1024), 4096);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not json                    | /v1/completions      | {"prompt": "x",                                  | 
            not an object               | /v1/completions      | [1, 2]                                           | 
            no prompt                   | /v1/completions      | {"max_tokens": 3}                                | prompt
            prompt of wrong type        | /v1/completions      | {"prompt": {"a": 1}}                             | prompt
            empty prompt array          | /v1/completions      | {"prompt": []}                                   | prompt
            token id out of vocabulary  | /v1/completions      | {"prompt": [1, 99999999]}                        | prompt
            unknown model               | /v1/completions      | {"model": "gpt-4", "prompt": "hi"}               | model
            negative max_tokens         | /v1/completions      | {"prompt": "hi", "max_tokens": -1}               | max_tokens
            huge max_tokens             | /v1/completions      | {"prompt": "hi", "max_tokens": 1000000000}       | max_tokens
            max_tokens over the context | /v1/completions      | {"prompt": "hi", "max_tokens": 4095}             | max_tokens
            max_tokens as a string      | /v1/completions      | {"prompt": "hi", "max_tokens": "5"}              | max_tokens
            temperature out of range    | /v1/completions      | {"prompt": "hi", "temperature": 3}               | temperature
            top_p as a string           | /v1/completions      | {"prompt": "hi", "top_p": "high"}                | top_p
            n of 2                      | /v1/completions      | {"prompt": "hi", "n": 2}                         | n
            five stop strings           | /v1/completions      | {"prompt": "hi", "stop": ["a","b","c","d","e"]}  | stop
            stream not a boolean        | /v1/completions      | {"prompt": "hi", "stream": "yes"}                | stream
            no messages                 | /v1/chat/completions | {"max_tokens": 3}                                | messages
            empty messages              | /v1/chat/completions | {"messages": []}                                 | messages
            unknown role                | /v1/chat/completions | {"messages": [{"role": "wizard", "content": "x"}]} | messages[0].role
            role not a string           | /v1/chat/completions | {"messages": [{"role": 1, "content": "x"}]}      | messages[0].role
            message not an object       | /v1/chat/completions | {"messages": ["hi"]}                             | messages[0]
            image content part          | /v1/chat/completions | {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]} | messages[0].content
            """)
    void badRequestsGet400NamingTheParameter(String what, String path, String body, String param) throws Exception {
        HttpResponse<String> r = s.post(path, body);
        assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(400);
        JsonNode e = TestServer.JSON.readTree(r.body()).path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.path("message").asText()).isNotBlank();
        if (param == null) assertThat(e.path("param").isNull()).isTrue();
        else assertThat(e.path("param").asText()).isEqualTo(param);
    }

    @Test
    void wrongMethodsUnknownPathsAndOversizeBodies() throws Exception {
        HttpResponse<String> get = s.get("/v1/completions");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST");
        assertThat(s.get("/v1/nothing").statusCode()).isEqualTo(404);
        HttpResponse<String> big = s.post("/v1/completions", "{\"prompt\": \"" + "x".repeat(100_000) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(s.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aThousandHostileRequestsThenStillServing() throws Exception {
        Random r = new Random(3);
        String[] paths = {"/v1/completions", "/v1/chat/completions", "/v1/models", "/v1/x", "/", "/metrics/../v1/completions"};
        String[] methods = {"POST", "PUT", "DELETE", "PATCH"};
        // pieces that never make a valid request: no field names among the random fragments, and only invalid
        // values where a field is named
        String[] fragments = {"{", "}", "[", "]", ":", ",", "null", "-1", "1e309", "\"\\u0000\"", "true", "\"x\"", "99999999999999999999", "\"\uD800\""};
        String[] badPrompts = {"null", "true", "{}", "[]", "[-1]", "[1.5]", "1e309", "{\"a\": []}", "[\"a\", \"b\"]", "[[1]]"};
        String[] badRoles = {"null", "1", "\"wizard\"", "[]", "{}", "true"};
        int done = 0;
        for (int i = 0; i < 1000; i++) {
            String body;
            switch (i % 4) {
                case 0 -> { // random bytes
                    byte[] b = new byte[r.nextInt(200)];
                    r.nextBytes(b);
                    body = new String(b, StandardCharsets.ISO_8859_1);
                }
                case 1 -> { // JSON-ish fragments
                    StringBuilder sb = new StringBuilder();
                    for (int k = r.nextInt(12); k > 0; k--) sb.append(fragments[r.nextInt(fragments.length)]);
                    body = sb.toString();
                }
                case 2 -> body = "{\"prompt\": " + badPrompts[r.nextInt(badPrompts.length)] + ", \"max_tokens\": " + fragments[r.nextInt(fragments.length)] + "}";
                default -> body = "{\"messages\": [{\"role\": " + badRoles[r.nextInt(badRoles.length)] + ", \"content\": " + fragments[r.nextInt(fragments.length)] + "}]}";
            }
            String path = paths[r.nextInt(paths.length)];
            String method = i % 10 == 9 ? methods[r.nextInt(methods.length)] : "POST";
            HttpResponse<String> resp = s.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.port() + path))
                    .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(method + " " + path + " " + body + " -> " + resp.body()).isBetween(400, 499);
            done++;
        }
        assertThat(done).isEqualTo(1000);
        assertThat(s.get("/health").statusCode()).isEqualTo(200);
        assertThat(s.post("/v1/completions", "{\"prompt\": \"hello\", \"max_tokens\": 4, \"temperature\": 0}").statusCode()).isEqualTo(200);
    }

    @Test
    void slowClientsDoNotBlockOthers() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket k = new Socket("127.0.0.1", s.server.port());
                OutputStream o = k.getOutputStream();
                o.write("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"prom".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                slow.add(k);
            }
            HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\": \"hello\", \"max_tokens\": 3, \"temperature\": 0}");
            assertThat(r.statusCode()).isEqualTo(200);
        } finally {
            for (Socket k : slow) k.close();
        }
        assertThat(s.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        double cancelledBefore = s.metric("jmoe_requests_cancelled_total");
        java.net.Socket client = s.openStream("/v1/completions", "{\"prompt\": \"a long story\", \"max_tokens\": 4000, \"temperature\": 0, \"stream\": true}");
        assertThat(s.metric("jmoe_kv_slots_in_use")).as("it is generating").isEqualTo(1.0);
        client.close();
        long until = System.currentTimeMillis() + 10_000;
        while (s.metric("jmoe_kv_slots_in_use") > 0 && System.currentTimeMillis() < until) Thread.sleep(20);
        assertThat(s.metric("jmoe_kv_slots_in_use")).isZero();
        assertThat(s.metric("jmoe_requests_cancelled_total")).isEqualTo(cancelledBefore + 1);
    }
}
