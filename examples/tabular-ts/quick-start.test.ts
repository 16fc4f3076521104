/**
 * The README's quick start: `npm run demo` builds everything and trains this example through an
 * embedded control plane, printing the final metrics and where model.tar.gz is.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const home = mkdtempSync(join(tmpdir(), "optml-quick-start-"));
const outputs = join(import.meta.dirname, "optml-out");
let job: string | undefined;

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  // The demo writes into the example's (git-ignored) optml-out/; take back what this run wrote.
  if (job) rmSync(join(outputs, job), { recursive: true, force: true });
  if (existsSync(outputs) && readdirSync(outputs).length === 0) rmSync(outputs, { recursive: true });
});

it("npm run demo trains examples/tabular-ts end to end and shows the metrics and model.tar.gz", () => {
  const r = spawnSync("npm", ["run", "demo"], { cwd: repo, encoding: "utf8", env: { ...process.env, OPTML_HOME: home, NO_COLOR: "1" } });
  job = /optml: training job (tabular-ts-[\d-]+) on an embedded control plane/.exec(r.stdout)?.[1];
  expect(r.status, r.stderr).toBe(0);
  expect(job).toBeDefined();
  expect(r.stdout).toMatch(/^Completed tabular-ts-[\d-]+ in /m);
  expect(r.stdout).toMatch(/^ {4}validation:accuracy +0\.\d+$/m);
  const model = join(outputs, job!, "output", "model.tar.gz");
  expect(r.stdout).toContain(`  Model:  ${model}\n`);
  expect(existsSync(model)).toBe(true);
}, 180_000);
