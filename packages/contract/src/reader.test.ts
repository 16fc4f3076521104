import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { computeContract } from "./contract-env.js";
import { parseConfigTexts } from "./config-files.js";
import { ContractError } from "./errors.js";
import { configFilesFor, writeJobLayout, type JobDescription } from "./platform.js";
import { readTrainingEnvironment } from "./reader.js";

const host = { numCpus: 3, numGpus: 1, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false };
const job: JobDescription = {
  hyperparameters: {
    epochs: "10",
    "learning-rate": "0.05",
    optimizer: '"adam"',
    layers: "[64, 32]",
    huge: "123456789012345678901234567890",
    verbose: "True",
    sagemaker_program: '"train.ts"',
    sagemaker_mpi_enabled: "true",
  },
  channels: [{ name: "train", contentType: "text/csv" }, { name: "validation" }],
  instanceType: "ml.m5.xlarge",
  instanceCount: 2,
};

const root = mkdtempSync(join(tmpdir(), "optml-reader-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fromFiles(current = "algo-1") {
  const base = join(root, current);
  writeJobLayout(base, configFilesFor(job, current), job.channels);
  return readTrainingEnvironment({ env: { SAGEMAKER_BASE_DIR: base, TRAINING_JOB_NAME: "reader-job" }, host });
}

function fromSmVars(current = "algo-1") {
  const files = configFilesFor(job, current);
  const config = parseConfigTexts({
    hyperparameters: files["hyperparameters.json"],
    inputDataConfig: files["inputdataconfig.json"],
    resourceConfig: files["resourceconfig.json"],
  });
  const env = { TRAINING_JOB_NAME: "reader-job" };
  const { envVars } = computeContract(config, { baseDir: join(root, current), env, host });
  // No config files exist for this host: everything must come from the variables.
  return readTrainingEnvironment({ env: { ...env, ...envVars } });
}

describe("readTrainingEnvironment", () => {
  for (const [label, read] of [
    ["from config files", fromFiles],
    ["from SM_* variables", fromSmVars],
  ] as const) {
    it(`gives the same typed view ${label}`, () => {
      const env = read("algo-2");
      const base = join(root, "algo-2");
      expect(env.source).toBe(label === "from config files" ? "config-files" : "environment");
      expect(env.baseDir).toBe(base);
      expect(env.modelDir).toBe(join(base, "model"));
      expect(env.outputDataDir).toBe(join(base, "output/data"));
      expect(env.channels).toEqual({ train: join(base, "input/data/train"), validation: join(base, "input/data/validation") });
      expect(env.inputDataConfig.train).toEqual({
        contentType: "text/csv",
        trainingInputMode: "File",
        s3DistributionType: "FullyReplicated",
        recordWrapperType: "None",
      });
      expect(env.hosts).toEqual(["algo-1", "algo-2"]);
      expect([env.currentHost, env.masterHost, env.isMaster]).toEqual(["algo-2", "algo-1", false]);
      expect([env.numCpus, env.numGpus, env.jobName, env.userEntryPoint]).toEqual([3, 1, "reader-job", "train.ts"]);
      expect(env.frameworkParameters).toEqual({ sagemaker_mpi_enabled: true });
      expect(env.instanceGroups).toEqual([{ name: "homogeneousCluster", instanceType: "ml.m5.xlarge", hosts: ["algo-1", "algo-2"] }]);
      expect(env.hyperparameters.values).toEqual({
        epochs: 10,
        "learning-rate": 0.05,
        optimizer: "adam",
        layers: [64, 32],
        huge: 123456789012345678901234567890n,
        verbose: "True",
      });
    });
  }

  it("gives typed access with defaults and names the bad hyperparameter", () => {
    const hp = fromFiles().hyperparameters;
    expect(hp.integer("epochs")).toBe(10);
    expect(hp.number("learning-rate")).toBe(0.05);
    expect(hp.string("optimizer")).toBe("adam");
    expect(hp.boolean("verbose")).toBe(true);
    expect(hp.number("momentum", 0.9)).toBe(0.9);
    expect(hp.json("layers")).toEqual([64, 32]);
    expect(() => hp.integer("learning-rate")).toThrow('hyperparameter "learning-rate" must be an integer, got 0.05');
    expect(() => hp.number("optimizer")).toThrow(`hyperparameter "optimizer" must be a number, got 'adam'`);
    expect(() => hp.number("missing")).toThrow('hyperparameter "missing" is missing (expected a number, and no default was given)');
  });

  it("validates against a Standard Schema (zod) and names each offending value", () => {
    const hp = fromFiles().hyperparameters;
    const ok = hp.parse(
      z.object({ epochs: z.number().int(), "learning-rate": z.number().max(1), optimizer: z.enum(["adam", "sgd"]), batch: z.number().default(32) }),
    );
    expect(ok).toEqual({ epochs: 10, "learning-rate": 0.05, optimizer: "adam", batch: 32 });
    try {
      hp.parse(z.object({ epochs: z.string(), optimizer: z.enum(["sgd"]), dropout: z.number() }));
      expect.fail("should throw");
    } catch (e) {
      expect(e).toBeInstanceOf(ContractError);
      const message = (e as Error).message;
      expect(message).toContain('hyperparameter "epochs" (value 10):');
      expect(message).toContain(`hyperparameter "optimizer" (value 'adam'):`);
      expect(message).toContain('hyperparameter "dropout" (value missing):');
    }
  });

  it("reports missing config files and a broken SM_TRAINING_ENV clearly", () => {
    expect(() => readTrainingEnvironment({ env: { SAGEMAKER_BASE_DIR: join(root, "nowhere") }, host })).toThrow(/hyperparameters\.json: file not found/);
    expect(() => readTrainingEnvironment({ env: { SM_TRAINING_ENV: "{oops" } })).toThrow(
      /environment variable SM_TRAINING_ENV is not valid JSON: Expecting property name/,
    );
  });
});
