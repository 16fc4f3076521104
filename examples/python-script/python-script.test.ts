/**
 * The Python script-mode example end to end: `optml train examples/python-script/job.json` runs
 * src/train.py (standard library only) on the tabular-ts data; the model in model.tar.gz is scored
 * on the validation channel and compared with the TypeScript example's algorithm.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { readTarGz } from "../tabular-ts/model-archive.js";
import { evaluate, fit, readChannel, split, type LogisticModel } from "../tabular-ts/src/model.js";

const here = import.meta.dirname;
const optml = join(here, "../../packages/cli/bin/optml.js");
const data = join(here, "../tabular-ts/data");
const root = mkdtempSync(join(tmpdir(), "optml-python-script-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A majority-class guess scores 0.66 on the validation set; the model must do much better. */
const ACCURACY_THRESHOLD = 0.85;

it("trains train.py through optml train and reloads a model that beats the threshold", () => {
  const r = spawnSync(process.execPath, [optml, "train", join(here, "job.json"), "--output", join(root, "out")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OPTML_HOME: join(root, "home") },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const name = /training job (python-script-[\d-]+)/.exec(r.stdout)?.[1];
  // argparse got the hyperparameters as SageMaker passes them.
  expect(r.stdout).toContain("[algo-1] epochs=100 learning-rate=1.0 l2=0.001");
  expect(r.stdout.match(/^\[algo-1\] epoch=\d+ train_loss=/gm)).toHaveLength(100);

  const files = readTarGz(join(root, "out", name!, "output", "model.tar.gz"));
  const model = JSON.parse(files.get("model.json")!.toString("utf8")) as LogisticModel;
  const validation = split(readChannel(join(data, "validation")), model.features, model.label);
  const { accuracy } = evaluate(model, validation.x, validation.y);
  expect(accuracy).toBeGreaterThanOrEqual(ACCURACY_THRESHOLD);
  expect(accuracy).toBeCloseTo(Number(/^ {4}validation:accuracy +([\d.]+)$/m.exec(r.stdout)?.[1]), 4);

  // The same algorithm as the TypeScript example: the same model, to rounding.
  const train = split(readChannel(join(data, "train")), model.features, model.label);
  const reference = fit(train.x, train.y, { features: model.features, label: model.label, epochs: 100, learningRate: 1, l2: 0.001 });
  model.weights.forEach((w, j) => expect(w).toBeCloseTo(reference.weights[j]!, 9));
  expect(model.bias).toBeCloseTo(reference.bias, 9);
});
