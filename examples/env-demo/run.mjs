// `node examples/env-demo/run.mjs`: what a job sees, then a TypeScript training script reading it
// with the typed reader. (`npm run demo` now trains examples/tabular-ts through optml itself.)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const here = import.meta.dirname;
const root = join(here, "..", "..");
const base = mkdtempSync(join(tmpdir(), "optml-demo-"));
cpSync(join(here, "opt", "ml"), base, { recursive: true });
const env = { ...process.env, SAGEMAKER_BASE_DIR: base, TRAINING_JOB_NAME: "optml-demo" };

console.log(`== optml env --base-dir ${base}`);
const shown = spawnSync(process.execPath, [join(root, "packages/cli/bin/optml.js"), "env", "--base-dir", base], { stdio: "inherit", env });
if (shown.status !== 0) process.exit(shown.status ?? 1);

console.log("\n== examples/reader-ts/train.ts (reads the job with readTrainingEnvironment())");
const tsx = createRequire(import.meta.url).resolve("tsx");
const trained = spawnSync(process.execPath, ["--import", tsx, join(root, "examples/reader-ts/train.ts")], { stdio: "inherit", env });
process.exit(trained.status ?? 1);
