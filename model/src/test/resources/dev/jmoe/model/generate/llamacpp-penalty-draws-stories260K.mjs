import {getLlama} from "/tmp/llamacpp/node_modules/node-llama-cpp/dist/index.js";
import fs from "node:fs";
const golden = JSON.parse(fs.readFileSync("/work/shared/models/stories260K.once.json"));
const all = [...golden.prompt_ids, ...golden.generated_ids];
const llama = await getLlama({gpu: false, logLevel: "error"});
const model = await llama.loadModel({modelPath: "/work/shared/models/stories260K.gguf"});
const ctx = await model.createContext({contextSize: 128, threads: 2, batchSize: 128});
const seq = ctx.getSequence();
// penalties over the prefix plus the next golden token three more times (so the penalty hits the favourite); window max(64, len)
const configs = {
  "repeat": {penalty: 1.5, frequencyPenalty: 0, presencePenalty: 0, temperature: 0},
  "freqpres": {penalty: 1.1, frequencyPenalty: 0.5, presencePenalty: 0.5, temperature: 0},
  "strong": {penalty: 3.0, frequencyPenalty: 1.0, presencePenalty: 0.0, temperature: 0},
  "sampled": {penalty: 1.3, frequencyPenalty: 0.2, presencePenalty: 0.3, temperature: 1.2, topK: 40, topP: 0.95, minP: 0.05},
};
const lengths = [2, 5, 9, 13, 17, 25, 33, 41, 49, 57, 65, 69];
const seeds = 10;
const out = {configs, lengths, draws: {}};
for (const [name, c] of Object.entries(configs)) {
  out.draws[name] = {};
  for (const L of lengths) {
    const prefix = all.slice(0, L);
    const punish = L < all.length ? all.slice(0, L + 1).concat([all[L], all[L]]) : prefix;
    const row = [];
    for (let seed = 1; seed <= (c.temperature > 0 ? seeds : 1); seed++) {
      await seq.clearHistory();
      const opts = {repeatPenalty: {punishTokens: punish, penalty: c.penalty, frequencyPenalty: c.frequencyPenalty,
                                    presencePenalty: c.presencePenalty, maxPunishTokens: 64}};
      if (c.temperature > 0) Object.assign(opts, {temperature: c.temperature, topK: c.topK, topP: c.topP, minP: c.minP, seed});
      const it = seq.evaluate(prefix, opts);
      row.push((await it.next()).value);
      await it.return();
    }
    out.draws[name][L] = row;
  }
}
fs.writeFileSync("pen.json", JSON.stringify(out));
process.exit(0);
