/**
 * The whole contract under random testing: seeded, valid SageMaker configurations
 * (config-generator.ts) through @optml/contract and through test/reference-model.py, where
 * python3 itself parses the JSON, renders values with json.dumps/str()/repr(), sorts keys and
 * upper-cases names. Every SM_* variable and every argument must agree byte for byte, and a case
 * Python fails on must fail here too.
 *
 * CI runs a fixed seed. More cases, another seed, or a check against SageMaker's toolkit itself:
 *   npm run fuzz:contract -- --cases 100000 --seed 7
 *   npm run fuzz:contract -- --cases 20000 --reference /path/to/sagemaker-training-toolkit/src --python /path/to/venv/bin/python
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { computeContract, ContractError, parseConfigTexts, type ContractEnvironment } from "../src/index.js";
import { generateCases, type ContractCase } from "./config-generator.js";
import { referenceOutcomes } from "./reference-toolkit.js";
import { pythonMap } from "./python-oracle.js";

const SEED = Number(process.env.OPTML_FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.OPTML_FUZZ_CASES ?? 1500);
const CHUNK = 1000;

type Outcome = { env: Record<string, string>; args: string[] } | { error: string };

function optmlOutcome(c: ContractCase): Outcome {
  let got: ContractEnvironment;
  try {
    const config = parseConfigTexts(c.files);
    got = computeContract(config, {
      baseDir: c.baseDir,
      env: c.env,
      host: { ...c.host, smddprunInstalled: false, smddpmprunInstalled: false },
    });
  } catch (e) {
    if (e instanceof ContractError) return { error: e.message };
    throw e;
  }
  return { env: got.envVars, args: got.cmdArgs };
}

/** The generator's seed for one chunk of a run: runs of different seeds share no chunk. */
function chunkSeed(seed: number, chunk: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(chunk, 0x85ebca6b)) >>> 0;
}

/** Compare chunk by chunk, so that a run of 100000 cases never holds them all. */
function compareAll(expectedFor: (cases: ContractCase[]) => Outcome[], label: string): { ok: number; failed: number } {
  let ok = 0;
  let failed = 0;
  for (let start = 0; start < CASES; start += CHUNK) {
    const cases = generateCases(chunkSeed(SEED, start / CHUNK), Math.min(CHUNK, CASES - start));
    const expected = expectedFor(cases);
    cases.forEach((c, i) => {
      const want = expected[i]!;
      const got = optmlOutcome(c);
      const where = `${label}, case #${start + i} of seed ${SEED} (npm run fuzz:contract -- --seed ${SEED} --cases ${start + i + 1}): ${JSON.stringify(c)}`;
      if ("error" in want) {
        expect("error" in got ? "fails" : "succeeds", `${where}\nPython fails: ${want.error}`).toBe("fails");
        failed++;
      } else {
        expect("error" in got ? got.error : "ok", where).toBe("ok");
        expect(got, where).toEqual(want);
        ok++;
      }
    });
  }
  return { ok, failed };
}

const MODEL = readFileSync(join(import.meta.dirname, "reference-model.py"), "utf8");

describe(`the contract against python3 on generated configurations (seed ${SEED}, ${CASES} cases)`, () => {
  it("agrees on every SM_* variable, every argument, and on which cases fail", { timeout: 3_600_000 }, () => {
    const { ok, failed } = compareAll((cases) => pythonMap<Outcome>(MODEL, cases), "python3 model");
    console.log(`seed ${SEED}: ${ok} cases agree byte for byte, ${failed} fail in both`);
    // The generator must exercise both paths, mostly the working one.
    expect(ok).toBeGreaterThan(CASES * 0.8);
    if (CASES >= 1000) expect(failed).toBeGreaterThan(0);
  });

  const reference = process.env.OPTML_FUZZ_REFERENCE;
  it.runIf(reference !== undefined)("agrees with SageMaker's toolkit itself (OPTML_FUZZ_REFERENCE)", { timeout: 3_600_000 }, () => {
    const { ok, failed } = compareAll((cases) => referenceOutcomes(reference!, process.env.OPTML_FUZZ_PYTHON ?? "python3", cases), "toolkit");
    console.log(`seed ${SEED}, against the toolkit: ${ok} cases agree byte for byte, ${failed} fail in both`);
  });
});
