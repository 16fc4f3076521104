import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAGEMAKER_MODEL } from "@optml/server";
import { afterAll, describe, expect, it } from "vitest";
import { CliError, EXIT } from "./cli-error.js";
import {
  applyTuningOverrides,
  checkTuningRequest,
  generatedTuningJobName,
  loadTuningFile,
  localCodeDirs,
  nameTuningRequest,
  trainingDefinitions,
  TUNING_OPERATION,
  tuningFileNameBase,
} from "./tuning-request.js";

const root = mkdtempSync(join(tmpdir(), "optml-tuning-request-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function definition(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlgorithmSpecification: {
      TrainingImage: "python:3.11",
      TrainingInputMode: "File",
      MetricDefinitions: [{ Name: "objective", Regex: "objective: ([-0-9.eE+]+)" }],
    },
    RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    StaticHyperParameters: { epochs: "3", sagemaker_program: '"branin.py"', sagemaker_submit_directory: '"file://./src"' },
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "file://../data", S3DataDistributionType: "FullyReplicated" } } }],
    OutputDataConfig: { S3OutputPath: "file://./optml-out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    ...extra,
  };
}

function tuningBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    HyperParameterTuningJobConfig: {
      Strategy: "Bayesian",
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "objective" },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: "x1", MinValue: "-5", MaxValue: "10" }] },
    },
    TrainingJobDefinition: definition(),
    ...extra,
  };
}

/** A tuning.json in `<root>/<dir>/`, with a code directory beside it. */
function tuningFile(dir: string, body: Record<string, unknown>, file = "tuning.json"): string {
  mkdirSync(join(root, dir, "src"), { recursive: true });
  writeFileSync(join(root, dir, "src", "branin.py"), "print('objective: 1')\n");
  writeFileSync(join(root, dir, file), JSON.stringify(body, null, 2));
  return join(root, dir, file);
}

describe("a tuning.json as optml tune reads it", () => {
  it("resolves file://./ and file://../ in every definition, StaticHyperParameters' code directory too", () => {
    const file = tuningFile("resolve", tuningBody({ TrainingJobDefinitions: [definition({ DefinitionName: "b" })] }));
    const { request } = loadTuningFile(file);
    const defs = trainingDefinitions(request);
    expect(defs).toHaveLength(2);
    for (const d of defs) {
      expect(d.StaticHyperParameters).toMatchObject({ sagemaker_submit_directory: JSON.stringify(`file://${root}/resolve/src`) });
      expect(d.OutputDataConfig).toEqual({ S3OutputPath: `file://${root}/resolve/optml-out` });
      expect((d.InputDataConfig as { DataSource: { S3DataSource: { S3Uri: string } } }[])[0]!.DataSource.S3DataSource.S3Uri).toBe(`file://${root}/data`);
    }
    expect(localCodeDirs(request)).toEqual([join(root, "resolve", "src")]);
  });

  it("names what is wrong with a file that is not a tuning request, in its own words", () => {
    writeFileSync(join(root, "list.json"), "[1]");
    expect(() => loadTuningFile(join(root, "list.json"))).toThrow(
      "list.json: must hold a JSON object (a CreateHyperParameterTuningJob request, as aws sagemaker create-hyper-parameter-tuning-job --cli-input-json takes)",
    );
    expect(() => loadTuningFile(join(root, "missing.json"))).toThrow(/missing\.json: cannot read it \(no such file\); give the path of a CreateHyperParameterTuningJob request in JSON/);
  });

  it("applies --name, and --output to every definition's S3OutputPath", () => {
    const request = { ...tuningBody({ TrainingJobDefinitions: [definition(), "not an object"] }) };
    const changed = applyTuningOverrides(request, { name: "given", output: "out/here" }, "/work");
    expect(changed.HyperParameterTuningJobName).toBe("given");
    expect(trainingDefinitions(changed).map((d) => d.OutputDataConfig)).toEqual([{ S3OutputPath: "file:///work/out/here" }, { S3OutputPath: "file:///work/out/here" }]);
    expect((changed.TrainingJobDefinitions as unknown[])[1]).toBe("not an object");
    expect(trainingDefinitions(request).map((d) => d.OutputDataConfig)).toEqual([{ S3OutputPath: "file://./optml-out" }, { S3OutputPath: "file://./optml-out" }]);
  });

  it("generates a name of at most 32 characters, as the SageMaker Python SDK does, to the second", () => {
    const now = new Date(Date.UTC(2025, 0, 31, 23, 59, 58, 999));
    expect(generatedTuningJobName("branin", now)).toBe("branin-250131-235958");
    const long = generatedTuningJobName("a very long project_name that goes on", now);
    expect(long).toBe("a-very-long-projec-250131-235958");
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/);
    expect(generatedTuningJobName("___", now)).toBe("tuning-250131-235958");
    expect(nameTuningRequest({ HyperParameterTuningJobName: "mine" }, "x", now).HyperParameterTuningJobName).toBe("mine");
    expect(nameTuningRequest({ HyperParameterTuningJobName: "" }, "x", now).HyperParameterTuningJobName).toBe("x-250131-235958");
    expect(nameTuningRequest({ HyperParameterTuningJobName: 7 }, "x", now).HyperParameterTuningJobName).toBe(7);
    expect(tuningFileNameBase("/p/branin/tuning.json")).toBe("branin");
    expect(tuningFileNameBase("/p/branin/lr-search.json")).toBe("lr-search");
  });
});

describe("the check before sending (botocore's CreateHyperParameterTuningJob shape)", () => {
  it("passes a good request, and refuses every problem at once in the AWS CLI's words, exit 2", () => {
    expect(
      Object.hasOwn(SAGEMAKER_MODEL.operations, TUNING_OPERATION),
      `the generated SageMaker model (packages/server/src/sagemaker/model/sagemaker-model.generated.ts) has no ${TUNING_OPERATION}: add it to OPERATIONS in scripts/gen-sagemaker-model.py and run python3 scripts/gen-sagemaker-model.py`,
    ).toBe(true);
    const file = tuningFile("check", {
      HyperParameterTuningJobConfig: {
        Strategy: "Bayesian",
        ResourceLimits: { MaxNumberOfTrainingJobs: "4", MaxParallelTrainingJobs: 2 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "x1", MinValue: -5, MaxValue: "10" }] },
      },
      TrainingJobDefinition: definition({ StaticHyperParameters: { epochs: 3 }, StopingCondition: {} }),
    });
    const { request, written } = loadTuningFile(file);
    let error: unknown;
    try {
      checkTuningRequest(file, nameTuningRequest(request, tuningFileNameBase(file)), written);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as CliError).message.split("\n")).toEqual([
      `${file}: Parameter validation failed:`,
      expect.stringMatching(/^Invalid type for parameter HyperParameterTuningJobConfig\.ResourceLimits\.MaxNumberOfTrainingJobs, value: 4, type: <class 'str'>, valid types: <class 'int'>; /),
      expect.stringMatching(/^Invalid type for parameter HyperParameterTuningJobConfig\.ParameterRanges\.ContinuousParameterRanges\[0\]\.MinValue, value: -5, type: <class 'int'>, valid types: <class 'str'>; /),
      expect.stringMatching(/^Unknown parameter in TrainingJobDefinition: "StopingCondition", must be one of: DefinitionName, .*; did you mean "StoppingCondition"\?$/),
      expect.stringMatching(/^Invalid type for parameter TrainingJobDefinition\.StaticHyperParameters\.epochs, value: 3, type: <class 'int'>, valid types: <class 'str'>; write "3" \(hyperparameter values are strings\)$/),
    ]);
    const good = tuningFile("good", tuningBody());
    const loaded = loadTuningFile(good);
    expect(() => checkTuningRequest(good, nameTuningRequest(loaded.request, "good"), loaded.written)).not.toThrow();
  });
});
