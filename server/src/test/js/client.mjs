// The official openai npm client against a running jmoe serve: chat, streaming chat, completions (plain and
// streamed), models, errors. Usage: node client.mjs BASE_URL API_KEY MODEL. Exits non-zero on the first failure.
import assert from "node:assert/strict";
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const messages = [
  { role: "system", content: "You are brief." },
  { role: "user", content: "Tell me a story about a cat." },
];

const models = await client.models.list();
assert.ok(models.data.some((m) => m.id === model), `models: ${JSON.stringify(models.data)}`);

const chat = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0 });
assert.equal(chat.object, "chat.completion");
assert.equal(chat.choices[0].message.role, "assistant");
assert.equal(typeof chat.choices[0].message.content, "string");
assert.ok(["stop", "length"].includes(chat.choices[0].finish_reason));
assert.ok(chat.usage.prompt_tokens > 0 && chat.usage.completion_tokens > 0);
assert.equal(chat.usage.total_tokens, chat.usage.prompt_tokens + chat.usage.completion_tokens);

let streamed = "", finish = null, usage = null, chunks = 0;
const stream = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0, stream: true,
  stream_options: { include_usage: true } });
for await (const chunk of stream) {
  chunks++;
  assert.equal(chunk.object, "chat.completion.chunk");
  if (chunk.usage) usage = chunk.usage;
  const c = chunk.choices[0];
  if (!c) continue;
  streamed += c.delta?.content ?? "";
  if (c.finish_reason) finish = c.finish_reason;
}
assert.ok(chunks > 1, "several chunks");
assert.equal(streamed, chat.choices[0].message.content, "streamed text = whole text (greedy)");
assert.equal(finish, chat.choices[0].finish_reason);
assert.equal(usage.prompt_tokens, chat.usage.prompt_tokens);
assert.equal(usage.completion_tokens, chat.usage.completion_tokens);
assert.equal(usage.total_tokens, chat.usage.total_tokens);
// the same conversation again: the slot kept its cache, all but the last prompt token was found there
assert.equal(chat.usage.prompt_tokens_details.cached_tokens, 0);
assert.equal(usage.prompt_tokens_details.cached_tokens, chat.usage.prompt_tokens - 1);

const done = await client.chat.completions.stream({ model, messages, max_tokens: 12, temperature: 0 }).finalChatCompletion();
assert.equal(done.choices[0].message.content, chat.choices[0].message.content, "the stream helper accumulates the same text");

const cmpl = await client.completions.create({ model, prompt: "Once upon a time", max_tokens: 10, temperature: 0, seed: 7 });
assert.equal(cmpl.object, "text_completion");
assert.equal(cmpl.usage.completion_tokens <= 10, true);
let text = "";
for await (const chunk of await client.completions.create({ model, prompt: "Once upon a time", max_tokens: 10, temperature: 0, stream: true })) {
  text += chunk.choices[0]?.text ?? "";
}
assert.equal(text, cmpl.choices[0].text, "streamed completion = whole completion");

await assert.rejects(client.chat.completions.create({ model, messages: [], max_tokens: 4 }),
  (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === "messages");
await assert.rejects(client.completions.create({ model: "gpt-4", prompt: "hi" }),
  (e) => e instanceof OpenAI.BadRequestError && e.param === "model");
await assert.rejects(new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 }).models.list(),
  (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);

console.log(JSON.stringify({ ok: true, chat: chat.choices[0].message.content, completion: cmpl.choices[0].text, chunks }));
