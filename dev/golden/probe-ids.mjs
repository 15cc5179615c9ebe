// Dev tool: prints llama.cpp (node-llama-cpp 3.21.1) natural-log softmax of the last row for each token-id sequence,
// one JSON array per line. Usage: node probe-ids.mjs MODEL.gguf "[[1,344,348],[1,48]]"  (needs node_modules as record.mjs)
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
const seqs = JSON.parse(process.argv[3]);
const llama = await getLlama({gpu: false, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: process.argv[2], gpuLayers: 0});
const ctx = await model.createContext({contextSize: 64, batchSize: 512, threads: 2, flashAttention: false, sequences: 1,
  experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = ctx.getSequence();
for (const s of seqs) {
  await seq.clearHistory();
  const res = await seq.controlledEvaluate(s.map((t,i) => i === s.length-1 ? [t, {generateNext: {probabilities: true}}] : t));
  const p = res[s.length-1].next.probabilities;
  const row = []; for (let v = 0; v < 512; v++) row.push(Math.log(p.get(v) ?? 0));
  console.log(JSON.stringify(row));
}
await llama.dispose();
