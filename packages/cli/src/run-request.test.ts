import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SAGEMAKER_MODEL } from "@optml/server";
import { pythonView, validateParameters } from "./param-validation.js";
import { argsAsHyperparameters, buildRunRequest, planProgram, withJobPython } from "./run-request.js";

const root = mkdtempSync(join(tmpdir(), "optml-run-request-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const project = join(root, "project");
mkdirSync(join(project, "src"), { recursive: true });
mkdirSync(join(project, "data"), { recursive: true });
writeFileSync(join(project, "src", "train.py"), "print('hi')\n");
writeFileSync(join(project, "train.ts"), "console.log('hi');\n");

describe("planProgram", () => {
  it("takes the script after its interpreter", () => {
    expect(planProgram("python", ["src/train.py", "--epochs", "3"], project)).toEqual({
      script: join(project, "src/train.py"),
      python: { requested: "python", typed: true },
      args: ["--epochs", "3"],
    });
    expect(planProgram("npx", ["tsx", "train.ts"], project).script).toBe(join(project, "train.ts"));
    expect(planProgram("train.ts", [], project).script).toBe(join(project, "train.ts"));
  });

  it("asks for the typed Python, else python3 for a .py script, and none for other programs", () => {
    expect(planProgram("python3.12", ["src/train.py"], project).python).toEqual({ requested: "python3.12", typed: true });
    expect(planProgram(".venv/bin/python", ["src/train.py"], project).python).toEqual({ requested: join(project, ".venv/bin/python"), typed: true });
    expect(planProgram("src/train.py", [], project).python).toEqual({ requested: "python3", typed: false });
    expect(planProgram("node", ["train.ts"], project).python).toBeUndefined();
  });

  it("says what is wrong with PROGRAM", () => {
    expect(() => planProgram("python", [], project)).toThrow("optml run needs a script file after python (like 'python train.py'), got nothing");
    expect(() => planProgram("python", ["-m", "pkg"], project)).toThrow("got '-m'");
    expect(() => planProgram("nope.py", [], project)).toThrow("nope.py: no such file");
    expect(() => planProgram("src", [], project)).toThrow("src: not a file");
  });
});

describe("argsAsHyperparameters", () => {
  it("takes --name value and --name=value pairs", () => {
    expect(argsAsHyperparameters(["--epochs", "3", "--lr=0.1", "--shift", "-2", "--empty="])).toEqual([
      ["epochs", "3"],
      ["lr", "0.1"],
      ["shift", "-2"],
      ["empty", ""],
    ]);
  });

  it("refuses positional arguments and flags without a value", () => {
    expect(() => argsAsHyperparameters(["data.csv"])).toThrow("they must be --name value pairs; got 'data.csv'");
    expect(() => argsAsHyperparameters(["--verbose", "--epochs", "3"])).toThrow("--verbose has no value");
    expect(() => argsAsHyperparameters(["--verbose"])).toThrow("--verbose has no value");
  });
});

describe("buildRunRequest", () => {
  it("makes a one-host script-mode request from the program's directory", () => {
    const { request, sourceDir, outputDir } = buildRunRequest({
      program: "python",
      args: ["src/train.py", "--epochs", "3"],
      cwd: project,
      hyperparameters: [["lr", "0.5"]],
      channels: [["train", "data"]],
      metrics: [["loss", "loss=([0-9.]+)"]],
      environment: [["SEED", "7"]],
      now: new Date("2024-05-06T07:08:09.010Z"),
    });
    expect(sourceDir).toBe(join(project, "src"));
    expect(outputDir).toBe(join(project, "optml-out"));
    expect(request).toEqual({
      TrainingJobName: "train-2024-05-06-07-08-09-010",
      AlgorithmSpecification: { TrainingImage: "optml/run:local", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
      RoleArn: "arn:aws:iam::000000000000:role/optml-local",
      HyperParameters: {
        epochs: "3",
        lr: "0.5",
        sagemaker_program: '"train.py"',
        sagemaker_submit_directory: JSON.stringify(`file://${project}/src`),
        sagemaker_container_log_level: "20",
        sagemaker_job_name: '"train-2024-05-06-07-08-09-010"',
      },
      InputDataConfig: [
        { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${project}/data`, S3DataDistributionType: "FullyReplicated" } } },
      ],
      OutputDataConfig: { S3OutputPath: `file://${project}/optml-out` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      Environment: { SEED: "7" },
    });
    // What optml run sends passes the AWS CLI's checks too.
    expect(validateParameters(SAGEMAKER_MODEL, "CreateTrainingJob", pythonView(request, undefined))).toEqual([]);
  });

  it("takes a source dir that holds the program, with the entry point relative to it", () => {
    const { request } = buildRunRequest({ program: "src/train.py", args: [], cwd: project, sourceDir: ".", name: "n" });
    expect((request.HyperParameters as Record<string, string>).sagemaker_program).toBe('"src/train.py"');
    expect(() => buildRunRequest({ program: "src/train.py", args: [], cwd: project, sourceDir: "data" })).toThrow("is not inside it");
    expect(() => buildRunRequest({ program: "train.ts", args: [], cwd: project, channels: [["train", "missing"]] })).toThrow(
      `--channel train=missing: ${project}/missing does not exist`,
    );
  });
});

describe("withJobPython", () => {
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  // A stand-in for an interpreter on this shell's PATH: answers the version question as Python does.
  writeFileSync(join(bin, "python"), `#!/bin/sh\nprintf '3.99.1\\n${bin}/python\\n'\n`, { mode: 0o755 });
  const job = (program: string, args: string[], environment: [string, string][] = []) =>
    buildRunRequest({ program, args, cwd: project, name: "n", environment });

  it("puts the interpreter this shell resolves into the job's OPTML_PYTHON, --env winning", async () => {
    expect((await withJobPython(job("python", ["src/train.py"]), bin)).Environment).toEqual({ OPTML_PYTHON: join(bin, "python") });
    const own = await withJobPython(job("python", ["src/train.py"], [["OPTML_PYTHON", "/opt/py/bin/python"]]), bin);
    expect(own.Environment).toEqual({ OPTML_PYTHON: "/opt/py/bin/python" });
    expect((await withJobPython(job("train.ts", []), bin)).Environment).toBeUndefined();
  });

  it("refuses a typed interpreter this shell does not have, and leaves a bare .py script to the control plane", async () => {
    await expect(withJobPython(job("python3.99", ["src/train.py"]), bin)).rejects.toThrow(
      `python3.99 (the interpreter before the script) is not found on the PATH of this shell (${bin})`,
    );
    expect((await withJobPython(job("src/train.py", []), bin)).Environment).toBeUndefined();
  });
});
