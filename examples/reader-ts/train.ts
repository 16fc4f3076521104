/**
 * A TypeScript training script that reads its job through @optml/contract's typed reader.
 * Run it inside any job (SM_* variables set by the runner) or against a base dir:
 *   SAGEMAKER_BASE_DIR=examples/env-demo/opt/ml npx tsx examples/reader-ts/train.ts
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTrainingEnvironment } from "@optml/contract";
import { z } from "zod";

const env = readTrainingEnvironment();
const hp = env.hyperparameters.parse(
  z.object({
    epochs: z.number().int().positive().default(5),
    "learning-rate": z.number().positive().default(0.01),
    optimizer: z.enum(["adam", "sgd"]).default("sgd"),
  }),
);

console.log(`job ${env.jobName ?? "(unnamed)"} on ${env.currentHost} of [${env.hosts.join(", ")}], master ${env.masterHost}`);
console.log(`${env.numCpus} CPUs, ${env.numGpus} GPUs; channels: ${Object.keys(env.channels).join(", ") || "none"}`);
console.log(`hyperparameters: ${JSON.stringify(hp)}`);

// Fit y = w * x by gradient descent on every CSV file of the train channel.
const trainDir = env.channels.train;
if (!trainDir) throw new Error("this example needs a 'train' channel");
const rows = readdirSync(trainDir)
  .filter((f) => f.endsWith(".csv"))
  .flatMap((f) => readFileSync(join(trainDir, f), "utf8").trim().split("\n").slice(1))
  .map((line) => line.split(",").map(Number) as [number, number]);
let w = 0;
for (let epoch = 1; epoch <= hp.epochs; epoch++) {
  const grad = rows.reduce((g, [x, y]) => g + 2 * (w * x - y) * x, 0) / rows.length;
  w -= hp["learning-rate"] * grad;
  const loss = rows.reduce((l, [x, y]) => l + (w * x - y) ** 2, 0) / rows.length;
  console.log(`epoch=${epoch} loss=${loss.toFixed(6)} w=${w.toFixed(6)}`);
}

mkdirSync(env.modelDir, { recursive: true });
writeFileSync(join(env.modelDir, "model.json"), JSON.stringify({ w, hyperparameters: hp }));
console.log(`model written to ${join(env.modelDir, "model.json")}`);
