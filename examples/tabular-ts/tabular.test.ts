/**
 * The example end to end, as a user runs it: `optml train examples/tabular-ts/job.json` on an
 * embedded control plane; then the model is reloaded from model.tar.gz and scored on the
 * validation channel.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { readTarGz } from "./model-archive.js";
import { evaluate, readChannel, split, type LogisticModel } from "./src/model.js";

const here = import.meta.dirname;
const optml = join(here, "../../packages/cli/bin/optml.js");
const root = mkdtempSync(join(tmpdir(), "optml-tabular-ts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A majority-class guess scores 0.66 on the validation set; the model must do much better. */
const ACCURACY_THRESHOLD = 0.85;

it("trains through optml train and reloads a model that beats the threshold on the validation set", () => {
  const r = spawnSync(process.execPath, [optml, "train", join(here, "job.json"), "--output", join(root, "out")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OPTML_HOME: join(root, "home") },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const name = /training job (tabular-ts-[\d-]+)/.exec(r.stdout)?.[1];
  expect(name).toBeDefined();
  // One metric line per epoch, matched by job.json's MetricDefinitions.
  expect(r.stdout.match(/^\[algo-1\] epoch=\d+ train_loss=/gm)).toHaveLength(100);
  const reported = Number(/^ {4}validation:accuracy +([\d.]+)$/m.exec(r.stdout)?.[1]);
  const archive = join(root, "out", name!, "output", "model.tar.gz");
  expect(r.stdout).toContain(`Model:  ${archive}`);

  const files = readTarGz(archive);
  expect([...files.keys()]).toEqual(["model.json"]);
  const model = JSON.parse(files.get("model.json")!.toString("utf8")) as LogisticModel;
  expect(model.format).toBe("optml-example/logistic-regression@1");
  const validation = split(readChannel(join(here, "data/validation")), model.features, model.label);
  const { accuracy } = evaluate(model, validation.x, validation.y);
  expect(accuracy).toBeGreaterThanOrEqual(ACCURACY_THRESHOLD);
  expect(accuracy).toBeCloseTo(reported, 4);

  const output = readTarGz(join(root, "out", name!, "output", "output.tar.gz"));
  expect(JSON.parse(output.get("metrics.json")!.toString("utf8")).validation.accuracy).toBeCloseTo(accuracy, 10);
});

it("ships the data set its generator writes", () => {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const r = spawnSync(process.execPath, ["--import", tsx, join(here, "generate-data.ts"), "--check"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});
