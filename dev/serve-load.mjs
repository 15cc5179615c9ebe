// Load check for `jmoe serve`: C concurrent streaming completions (greedy, fixed max_tokens) for each C in CONC,
// reporting aggregate tok/s (all generated tokens ÷ wall time), per-request generation tok/s and time to first token.
// Bounded: ROUNDS rounds of C requests per level, each request at most MAX_TOKENS tokens, a 10-minute cap overall.
// Usage: node dev/serve-load.mjs BASE_URL [CONC=1,4,8,16] [MAX_TOKENS=32] [ROUNDS=2]   (Node ≥ 18: global fetch)
const [base, concArg = '1,4,8,16', maxArg = '32', roundsArg = '2'] = process.argv.slice(2);
if (!base) { console.error('usage: node dev/serve-load.mjs http://127.0.0.1:8080 [1,4,8,16] [32] [2]'); process.exit(2); }
const levels = concArg.split(',').map(Number), maxTokens = Number(maxArg), rounds = Number(roundsArg);
const deadline = Date.now() + 10 * 60_000;
const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'saw', 'bird', 'sky', 'blue', 'little', 'girl', 'park'];

async function one(i) {
  const prompt = `Story ${i}: ` + Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
  const t0 = performance.now();
  const r = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } }) });
  if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
  let first = 0, tokens = 0, buf = '';
  const dec = new TextDecoder();
  for await (const part of r.body) {
    buf += dec.decode(part, { stream: true });
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, k); buf = buf.slice(k + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      if (!first && j.choices?.[0]?.text) first = performance.now();
      if (j.usage) tokens = j.usage.completion_tokens;
    }
  }
  const end = performance.now();
  return { ttft: (first || end) - t0, tokens, genTps: tokens > 1 && first ? (tokens - 1) / ((end - first) / 1000) : 0 };
}

const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
console.log('| concurrent | requests | aggregate tok/s | per-request gen tok/s (median) | TTFT ms (median / max) |');
console.log('|---|---|---|---|---|');
let single = 0;
for (const c of levels) {
  const res = [];
  let wall = 0;
  for (let r = 0; r < rounds && Date.now() < deadline; r++) {
    const t0 = performance.now();
    res.push(...await Promise.all(Array.from({ length: c }, (_, i) => one(r * 100 + i))));
    wall += performance.now() - t0;
  }
  const agg = res.reduce((s, x) => s + x.tokens, 0) / (wall / 1000);
  if (c === 1) single = agg;
  console.log(`| ${c} | ${res.length} | ${agg.toFixed(2)}${single && c > 1 ? ` (${(agg / single).toFixed(2)}× of 1)` : ''} | ${median(res.map(x => x.genTps)).toFixed(2)} | ${median(res.map(x => x.ttft)).toFixed(0)} / ${Math.max(...res.map(x => x.ttft)).toFixed(0)} |`);
}
