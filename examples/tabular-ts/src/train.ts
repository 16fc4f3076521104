/**
 * A SageMaker script-mode training program in TypeScript: predicts machine failures from sensor
 * readings with logistic regression.
 *
 * It reads its job the way SageMaker gives it: hyperparameters as `--name value` arguments,
 * channels in SM_CHANNEL_TRAIN and SM_CHANNEL_VALIDATION, the model dir in SM_MODEL_DIR. Each epoch
 * prints one line of metrics that job.json's MetricDefinitions match; the model is saved as
 * model.json in the model dir (SageMaker packs it into model.tar.gz), and the final validation
 * metrics as metrics.json in SM_OUTPUT_DATA_DIR (output.tar.gz).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { evaluate, fit, readChannel, split } from "./model.js";

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this program as a training job (optml train job.json)`);
  return value;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`hyperparameter ${name} must be a number >= 0, got '${text}'`);
  return value;
}

// SageMaker passes every hyperparameter as --name value; unknown ones are ignored, as argparse's
// parse_known_args does in Python scripts.
const { values } = parseArgs({
  options: {
    epochs: { type: "string" },
    "learning-rate": { type: "string" },
    l2: { type: "string" },
    label: { type: "string" },
  },
  strict: false,
  allowPositionals: true,
});
const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
const epochs = Math.round(positive("epochs", str(values.epochs), 100));
const learningRate = positive("learning-rate", str(values["learning-rate"]), 1.0);
const l2 = positive("l2", str(values.l2), 0.001);
const label = str(values.label) ?? "failure";

const train = readChannel(requiredEnv("SM_CHANNEL_TRAIN"));
const validation = readChannel(requiredEnv("SM_CHANNEL_VALIDATION"));
const features = train.columns.filter((c) => c !== label);
const trainSet = split(train, features, label);
const validationSet = split(validation, features, label);
console.log(`${trainSet.x.length} training rows, ${validationSet.x.length} validation rows, features: ${features.join(", ")}`);
console.log(`epochs=${epochs} learning-rate=${learningRate} l2=${l2}`);

const model = fit(trainSet.x, trainSet.y, {
  features,
  label,
  epochs,
  learningRate,
  l2,
  onEpoch: (epoch, m) => {
    const t = evaluate(m, trainSet.x, trainSet.y);
    const v = evaluate(m, validationSet.x, validationSet.y);
    console.log(
      `epoch=${epoch} train_loss=${t.loss.toFixed(4)} train_accuracy=${t.accuracy.toFixed(4)} validation_loss=${v.loss.toFixed(4)} validation_accuracy=${v.accuracy.toFixed(4)}`,
    );
  },
});

const modelDir = requiredEnv("SM_MODEL_DIR");
mkdirSync(modelDir, { recursive: true });
writeFileSync(join(modelDir, "model.json"), `${JSON.stringify(model, null, 2)}\n`);
const final = evaluate(model, validationSet.x, validationSet.y);
const outputDir = process.env.SM_OUTPUT_DATA_DIR;
if (outputDir) {
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, "metrics.json"), `${JSON.stringify({ validation: final }, null, 2)}\n`);
}
console.log(`saved ${join(modelDir, "model.json")}: validation accuracy ${final.accuracy.toFixed(4)}`);
