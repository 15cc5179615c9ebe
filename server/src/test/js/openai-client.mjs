// The official OpenAI client against a running `jmoe serve`: chat, streaming chat, completions, models, an error.
// Usage: node openai-client.mjs BASE_URL MODEL API_KEY   — prints one JSON line; exits non-zero on any mismatch.
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const [baseURL, model, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me about cats.' }];

const models = await client.models.list();
assert.equal(models.data[0].id, model);

const chat = await client.chat.completions.create({ model, messages, max_tokens: 10, temperature: 0 });
assert.equal(chat.object, 'chat.completion');
assert.equal(chat.choices[0].message.role, 'assistant');
assert.equal(typeof chat.choices[0].message.content, 'string');
assert.ok(['stop', 'length'].includes(chat.choices[0].finish_reason));
assert.equal(chat.usage.total_tokens, chat.usage.prompt_tokens + chat.usage.completion_tokens);

const stream = await client.chat.completions.create({ model, messages, max_tokens: 10, temperature: 0, stream: true,
  stream_options: { include_usage: true } });
let streamed = '', finish = null, usage = null;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  const c = chunk.choices[0];
  if (!c) continue;
  streamed += c.delta?.content ?? '';
  finish = c.finish_reason ?? finish;
}
assert.equal(streamed, chat.choices[0].message.content, 'streamed text equals the whole answer');
assert.equal(finish, chat.choices[0].finish_reason);
assert.equal(usage.completion_tokens, chat.usage.completion_tokens);

const done = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
assert.equal(done.object, 'text_completion');
assert.equal(done.usage.completion_tokens <= 8, true);

let status = 0;
try {
  await client.completions.create({ model, prompt: 'x', max_tokens: -1 });
} catch (e) {
  status = e.status;
  assert.equal(e.param, 'max_tokens');
}
assert.equal(status, 400);

console.log(JSON.stringify({ chat: chat.choices[0].message.content, streamed, completion: done.choices[0].text }));
