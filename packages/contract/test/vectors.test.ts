/**
 * Every vector produced by the reference Python toolkit (copied from shared/contract/vectors so
 * the project stands alone) must come out byte for byte: every SM_* key and value, and the
 * command-line arguments.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeContract, contractForBaseDir, parseConfigTexts } from "../src/index.js";

interface Vector {
  name: string;
  description: string;
  base_dir: string;
  env: Record<string, string>;
  host: { num_cpus: number; num_gpus: number; num_neurons: number };
  files: Record<"hyperparameters.json" | "inputdataconfig.json" | "resourceconfig.json", string>;
  expected: { env_vars: Record<string, string>; cmd_args: string[] };
}

const dir = join(import.meta.dirname, "vectors");
const vectors: Vector[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Vector);

const hostOf = (v: Vector) => ({
  numCpus: v.host.num_cpus,
  numGpus: v.host.num_gpus,
  numNeurons: v.host.num_neurons,
  smddprunInstalled: false,
  smddpmprunInstalled: false,
});

describe("reference vectors", () => {
  it("are all present", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  for (const v of vectors) {
    it(`${v.name}: ${v.description}`, () => {
      const config = parseConfigTexts({
        hyperparameters: v.files["hyperparameters.json"],
        inputDataConfig: v.files["inputdataconfig.json"],
        resourceConfig: v.files["resourceconfig.json"],
      });
      const got = computeContract(config, { baseDir: v.base_dir, env: v.env, host: hostOf(v) });
      // Compare the SM_TRAINING_ENV string first: a mismatch there is easiest to read alone.
      expect(got.envVars.SM_TRAINING_ENV).toBe(v.expected.env_vars.SM_TRAINING_ENV);
      expect(got.envVars).toEqual(v.expected.env_vars);
      expect(Object.keys(got.envVars).sort()).toEqual(Object.keys(v.expected.env_vars).sort());
      expect(got.cmdArgs).toEqual(v.expected.cmd_args);
    });
  }
});

describe("reading the vectors' files from a base dir", () => {
  const root = mkdtempSync(join(tmpdir(), "optml-vectors-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const v of vectors) {
    it(`${v.name} gives the same variables with the base dir's paths`, () => {
      const base = join(root, v.name);
      mkdirSync(join(base, "input", "config"), { recursive: true });
      for (const [name, text] of Object.entries(v.files)) writeFileSync(join(base, "input", "config", name), text);
      const got = contractForBaseDir(base, v.env, hostOf(v));
      const expected = Object.fromEntries(
        Object.entries(v.expected.env_vars).map(([k, val]) => [k, val.split(v.base_dir).join(base)]),
      );
      expect(got.envVars).toEqual(expected);
      expect(got.cmdArgs).toEqual(v.expected.cmd_args);
    });
  }
});
