import {getLlama} from "/tmp/llamacpp/node_modules/node-llama-cpp/dist/index.js";
import fs from "node:fs";
const golden = JSON.parse(fs.readFileSync("/work/shared/models/stories260K.once.json"));
const all = [...golden.prompt_ids, ...golden.generated_ids];
const llama = await getLlama({gpu: false, logLevel: "error"});
const model = await llama.loadModel({modelPath: "/work/shared/models/stories260K.gguf"});
const ctx = await model.createContext({contextSize: 128, threads: 2, batchSize: 128});
const seq = ctx.getSequence();
const configs = {
  "default": {temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05},
  "hot": {temperature: 1.5, topK: 0, topP: 1.0, minP: 0.0},
  "nucleus": {temperature: 1.0, topK: 0, topP: 0.5, minP: 0.0},
};
const lengths = [1, 2, 5, 9, 17, 33, 69];
const out = {node_llama_cpp: "3.21.1", model: "stories260K.gguf", seeds: "1..40", lengths, configs, draws: {}};
for (const [name, cfg] of Object.entries(configs)) {
  out.draws[name] = {};
  for (const L of lengths) {
    const row = [];
    for (let seed = 1; seed <= 40; seed++) {
      await seq.clearHistory();
      const it = seq.evaluate(all.slice(0, L), {...cfg, seed});
      const r = await it.next();
      row.push(r.value);
      await it.return();
    }
    out.draws[name][L] = row;
  }
}
fs.writeFileSync("draws.json", JSON.stringify(out));
console.log(JSON.stringify(out.draws["default"]["5"]));
process.exit(0);
