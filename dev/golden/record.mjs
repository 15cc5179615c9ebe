// Records llama.cpp reference outputs for a GGUF through node-llama-cpp (a dev tool: the product and its tests never
// run it; its outputs are frozen into test resources). Needs: npm i -E --omit=optional --ignore-scripts
//   node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1   run in (or symlinked as) dev/golden/node_modules
// Usage: node record.mjs MODEL.gguf "PROMPT" N_GEN OUT_PREFIX
// Writes OUT_PREFIX.json: prompt_ids, generated_ids (greedy), and per teacher-forced position the log-probabilities
// (natural log, temperature 1, no truncation) of the full vocabulary in OUT_PREFIX.logprobs.f32 — llama.cpp's logits
// up to a per-row constant, which is all a softmax-invariant comparison needs.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import fs from "node:fs";

const [modelPath, prompt, nGenStr, outPrefix] = process.argv.slice(2);
const nGen = parseInt(nGenStr ?? "32", 10);
const llama = await getLlama({gpu: false, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const promptIds = Array.from(model.tokenize(prompt, true));
if (model.tokens.bos != null && model.tokens.shouldPrependBosToken && promptIds[0] !== model.tokens.bos) promptIds.unshift(model.tokens.bos);
const nVocab = model.fileInsights.tensorInfo ? undefined : undefined;
const ctx = await model.createContext({contextSize: promptIds.length + nGen + 8, batchSize: 512, threads: 2, flashAttention: false,
  experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"}); // as the shared goldens: F32 K/V

// greedy generation, one token per evaluation after the prompt
const seq = ctx.getSequence();
const generated = [];
const greedyRows = [];
let input = promptIds.map((t, i) => i === promptIds.length - 1 ? [t, {generateNext: {probabilities: true}}] : t);
for (let step = 0; step < nGen; step++) {
  const res = await seq.controlledEvaluate(input);
  const out = res[input.length - 1];
  const probs = out.next.probabilities;
  const [best] = probs.entries().next().value; // sorted, highest first (ties: llama.cpp's order)
  generated.push(best);
  greedyRows.push(probs);
  if (model.isEogToken(best)) break;
  input = [[best, {generateNext: {probabilities: true}}]];
}
const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;

// teacher forcing: fresh sequence, all positions in one evaluation
await seq.clearHistory(); // fresh sequence for the batched pass
const seq2 = seq;
const all = [...promptIds, ...generated];
const res2 = await seq2.controlledEvaluate(all.map(t => [t, {generateNext: {probabilities: true}}]));
const rows = new Float32Array(all.length * vocab);
for (let i = 0; i < all.length; i++) {
  const p = res2[i].next.probabilities;
  for (let v = 0; v < vocab; v++) rows[i * vocab + v] = Math.log(p.get(v) ?? 0);
}
fs.writeFileSync(outPrefix + ".logprobs.f32", Buffer.from(rows.buffer));
const margins = greedyRows.map(p => { const it = p.values(); const a = it.next().value, b = it.next().value; return Math.log(a) - Math.log(b); });
fs.writeFileSync(outPrefix + ".json", JSON.stringify({
  model: modelPath.split("/").pop(), producer: "llama.cpp via node-llama-cpp 3.21.1 (CPU, 2 threads, flash attention off)",
  prompt, prompt_ids: promptIds, generated_ids: generated, margins, n_vocab: vocab, n_positions: all.length,
  logprobs_file: outPrefix.split("/").pop() + ".logprobs.f32", logprobs_layout: "float32 little-endian [n_positions][n_vocab], natural-log softmax of llama.cpp's logits"
}, null, 1));
console.log(`prompt ${promptIds.length} tokens, generated ${generated.length}: ${generated.join(",")}`);
await llama.dispose();
