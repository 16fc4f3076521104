import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");

it("trains from a base dir through the typed reader and writes a model", () => {
  const base = mkdtempSync(join(tmpdir(), "optml-reader-example-"));
  try {
    cpSync(join(import.meta.dirname, "../env-demo/opt/ml"), base, { recursive: true });
    const r = spawnSync(process.execPath, ["--import", tsx, join(import.meta.dirname, "train.ts")], {
      encoding: "utf8",
      env: { ...process.env, SAGEMAKER_BASE_DIR: base, TRAINING_JOB_NAME: "example-job" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("job example-job on algo-1 of [algo-1], master algo-1");
    expect(r.stdout).toContain('hyperparameters: {"epochs":10,"learning-rate":0.001,"optimizer":"adam"}');
    const model = JSON.parse(readFileSync(join(base, "model", "model.json"), "utf8")) as { w: number };
    // y = 2x: each of the ten small steps moves w from 0 towards 2 and lowers the loss.
    const losses = [...r.stdout.matchAll(/^epoch=\d+ loss=([\d.]+)/gm)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(10);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
    expect(model.w).toBeGreaterThan(0.1);
    expect(model.w).toBeLessThan(2);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
