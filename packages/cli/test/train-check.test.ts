/**
 * `optml train` checks job.json as the AWS CLI checks a request before sending it: misspelled
 * members, wrong JSON types and missing required members are refused with exit 2, before any
 * control plane starts, and a correct request with members optml's server does not model passes.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobJson, project, transitions } from "./fixtures.js";
import { optml, tempDir } from "./run-optml.js";

const root = tempDir("optml-cli-train-check-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { OPTML_HOME: join(root, "home"), OPTML_STOP_GRACE_SECONDS: "3" };

const TOP_MEMBERS =
  "TrainingJobName, HyperParameters, AlgorithmSpecification, RoleArn, InputDataConfig, OutputDataConfig, ResourceConfig, VpcConfig, " +
  "StoppingCondition, Tags, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, EnableManagedSpotTraining, CheckpointConfig, " +
  "DebugHookConfig, DebugRuleConfigurations, TensorBoardOutputConfig, ExperimentConfig, ProfilerConfig, ProfilerRuleConfigurations, " +
  "Environment, RetryStrategy, RemoteDebugConfig, InfraCheckConfig, SessionChainingConfig, ServerlessJobConfig, MlflowConfig, ModelPackageConfig";

/** The fixture's job.json with some members replaced (undefined removes one). */
function job(changes: Record<string, unknown>): string {
  const value = JSON.parse(jobJson()) as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete value[k];
    else value[k] = v;
  }
  return JSON.stringify(value, null, 2);
}

const IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310";

describe("optml train: the AWS CLI's checks of job.json", () => {
  it("refuses the misspellings and wrong types of the issue, every one at once, exit 2, before anything runs", () => {
    const dir = project(
      root,
      "misspelled",
      job({
        Enviroment: { MODE: "fast" },
        AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: "File", MetricDefinition: [{ Name: "train:loss", Regex: "loss=([0-9.]+)" }] },
        StoppingCondition: { MaxRuntimeInSecond: 600 },
        HyperParameters: { epochs: 2, sagemaker_program: '"train.py"', sagemaker_submit_directory: '"file://./src"' },
        ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: "2" },
      }),
    );
    const file = join(dir, "job.json");
    const r = optml(["train", file], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    // The AWS CLI's order: the top level's unknown members, then each member in the file's order.
    expect(r.stderr).toBe(
      [
        `optml: ${file}: Parameter validation failed:`,
        `Unknown parameter in input: "Enviroment", must be one of: ${TOP_MEMBERS}; did you mean "Environment"?`,
        `Unknown parameter in AlgorithmSpecification: "MetricDefinition", must be one of: TrainingImage, AlgorithmName, TrainingInputMode, MetricDefinitions, EnableSageMakerMetricsTimeSeries, ContainerEntrypoint, ContainerArguments, TrainingImageConfig; did you mean "MetricDefinitions"?`,
        `Invalid type for parameter HyperParameters.epochs, value: 2, type: <class 'int'>, valid types: <class 'str'>; write "2" (hyperparameter values are strings)`,
        `Invalid type for parameter ResourceConfig.InstanceCount, value: 2, type: <class 'str'>, valid types: <class 'int'>; write 2, without quotes`,
        `Unknown parameter in StoppingCondition: "MaxRuntimeInSecond", must be one of: MaxRuntimeInSeconds, MaxWaitTimeInSeconds, MaxPendingTimeInSeconds; did you mean "MaxRuntimeInSeconds"?`,
        "",
      ].join("\n"),
    );
    // Nothing was started: no control plane, no job.
    expect(existsSync(env.OPTML_HOME)).toBe(false);
  });

  it("names a misspelled HyperParameters instead of failing later, and a missing required member on its own", () => {
    const { HyperParameters } = JSON.parse(jobJson()) as { HyperParameters: unknown };
    const dir = project(root, "case", job({ HyperParameters: undefined, Hyperparameters: HyperParameters, RoleArn: undefined }));
    const r = optml(["train", join(dir, "job.json")], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").slice(1)).toEqual([
      'Missing required parameter in input: "RoleArn"; add it: a string, e.g. "arn:aws:iam::000000000000:role/SageMakerRole" (optml records the role and assumes nothing with it)',
      `Unknown parameter in input: "Hyperparameters", must be one of: ${TOP_MEMBERS}; did you mean "HyperParameters"? (member names are case-sensitive)`,
      "",
    ]);
  });

  it("checks the request after the flags and defaults: a generated name, --output for a missing OutputDataConfig, a wrong type kept under --hp", () => {
    // No TrainingJobName and no OutputDataConfig: the name is generated, --output supplies the other.
    const dir = project(root, "defaults", job({ TrainingJobName: undefined, OutputDataConfig: undefined, Enviroment: {} }));
    const r = optml(["train", join(dir, "job.json"), "--output", join(root, "out")], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").slice(1, -1).map((l) => l.split(",")[0])).toEqual(['Unknown parameter in input: "Enviroment"']);
    const listed = project(root, "listed", job({ HyperParameters: ["epochs=2"] }));
    const hp = optml(["train", join(listed, "job.json"), "--hp", "epochs=3"], env);
    expect(hp.code).toBe(2);
    expect(hp.stderr).toContain(
      "\nInvalid type for parameter HyperParameters, value: ['epochs=2'], type: <class 'list'>, valid types: <class 'dict'>; give an object of names to strings\n",
    );
    expect(existsSync(env.OPTML_HOME)).toBe(false);
  });

  it("runs a correct job.json with members optml's server does not model (RetryStrategy, Tags, MlflowConfig, InfraCheckConfig)", () => {
    const dir = project(
      root,
      "unmodelled",
      job({
        RetryStrategy: { MaximumRetryAttempts: 2 },
        Tags: [{ Key: "team", Value: "ml" }],
        MlflowConfig: { MlflowResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/t" },
        InfraCheckConfig: { EnableInfraCheck: false },
      }),
    );
    const r = optml(["train", join(dir, "job.json")], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(transitions(r.stdout).at(-1)).toBe("Completed");
  });
});
