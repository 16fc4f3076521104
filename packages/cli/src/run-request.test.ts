import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { argsAsHyperparameters, buildRunRequest, planProgram } from "./run-request.js";

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
      environment: {},
      args: ["--epochs", "3"],
    });
    expect(planProgram("npx", ["tsx", "train.ts"], project).script).toBe(join(project, "train.ts"));
    expect(planProgram("train.ts", [], project).script).toBe(join(project, "train.ts"));
  });

  it("keeps a Python other than the runner's default", () => {
    expect(planProgram("python3.12", ["src/train.py"], project).environment).toEqual({ OPTML_PYTHON: "python3.12" });
    expect(planProgram(".venv/bin/python", ["src/train.py"], project).environment).toEqual({ OPTML_PYTHON: join(project, ".venv/bin/python") });
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
