#!/usr/bin/env node
/**
 * Run the contract's randomized differential test with more cases or another seed than CI's:
 *   npm run fuzz:contract -- --cases 100000 --seed 7
 * and, where SageMaker's toolkit is at hand, against the toolkit itself as well:
 *   npm run fuzz:contract -- --cases 20000 --reference /path/to/sagemaker-training-toolkit/src --python /path/to/venv/bin/python
 * (the interpreter needs boto3 and six; see packages/contract/README.md).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const usage = "usage: npm run fuzz:contract -- [--cases N] [--seed N] [--reference <toolkit src dir>] [--python <interpreter>]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      cases: { type: "string", default: "10000" },
      seed: { type: "string", default: String(Date.now() % 2 ** 31) },
      reference: { type: "string" },
      python: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  console.error(`${e.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
for (const name of ["cases", "seed"]) {
  if (!/^\d+$/.test(values[name]) || Number(values[name]) > 2 ** 31) {
    console.error(`--${name} must be a whole number below 2^31, found ${JSON.stringify(values[name])}\n${usage}`);
    process.exit(2);
  }
}
if (values.reference !== undefined && !existsSync(join(values.reference, "sagemaker_training", "environment.py"))) {
  console.error(`--reference ${values.reference}: no sagemaker_training/environment.py there (give the toolkit's src directory)`);
  process.exit(2);
}

const env = { ...process.env, OPTML_FUZZ_CASES: values.cases, OPTML_FUZZ_SEED: values.seed };
if (values.reference !== undefined) env.OPTML_FUZZ_REFERENCE = values.reference;
if (values.python !== undefined) env.OPTML_FUZZ_PYTHON = values.python;
console.log(`contract fuzz: ${values.cases} cases from seed ${values.seed}${values.reference ? `, also against ${values.reference}` : ""}`);
const root = join(import.meta.dirname, "..");
const run = spawnSync("npx", ["--no-install", "vitest", "run", "packages/contract/test/contract.differential.test.ts"], {
  cwd: root,
  env,
  stdio: "inherit",
});
if (run.error) throw run.error;
process.exit(run.status ?? 1);
