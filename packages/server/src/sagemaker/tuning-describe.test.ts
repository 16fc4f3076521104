/**
 * The tuning answers against botocore's model of them (the machine's python3 botocore): every
 * member of DescribeHyperParameterTuningJobResponse (and of the structures in it) is answered or
 * its absence is listed with a reason (WHEN_ABSENT), nothing outside the shapes is answered, every
 * value has the model's type; then what the answers say: the best job, the counters, the defaults.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { JobRecord, MetricSample, TrainingJobTuning, TuningJobRecord } from "../store/index.js";
import {
  bestTrial,
  describeHyperParameterTuningJob,
  runtimeInSeconds,
  trainingJobSummary,
  tuningJobSummary,
  WHEN_ABSENT,
  type TrialView,
  type TuningJobView,
} from "./tuning-describe.js";
import type { CreateHyperParameterTuningJobRequest } from "./tuning-request.js";
import { validateCreateHyperParameterTuningJob } from "./tuning-validate.js";

interface BotocoreShape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  value?: { shape: string };
  required?: string[];
  enum?: string[];
}

function botocoreShapes(): Record<string, BotocoreShape> {
  const where = spawnSync("python3", ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"], { encoding: "utf8" });
  if (where.status !== 0) {
    throw new Error(
      `this test reads botocore's SageMaker model from the machine's python3, which has no botocore (${where.stderr.trim()}); ` +
        "install it: apt-get install python3-boto3 (or pip install boto3)",
    );
  }
  const base = join(where.stdout.trim(), "data", "sagemaker", "2017-07-24", "service-2.json");
  const text = existsSync(base) ? readFileSync(base, "utf8") : gunzipSync(readFileSync(`${base}.gz`)).toString("utf8");
  return (JSON.parse(text) as { shapes: Record<string, BotocoreShape> }).shapes;
}

const shapes = botocoreShapes();
const responseShape = shapes.DescribeHyperParameterTuningJobResponse!;
const membersOf = (shape: BotocoreShape) => Object.keys(shape.members ?? {});
const memberShape = (shape: BotocoreShape, member: string) => shapes[shape.members![member]!.shape]!;

/** Type mismatches of `value` against a botocore shape, as `path: problem`; `checkRequired` for the structures below the top. */
function typeProblems(shape: BotocoreShape, value: unknown, path: string): string[] {
  switch (shape.type) {
    case "string":
      if (typeof value !== "string") return [`${path}: not a string`];
      return shape.enum && !shape.enum.includes(value) ? [`${path}: '${value}' is not one of ${shape.enum.join(", ")}`] : [];
    case "integer":
    case "long":
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case "float":
    case "double":
      return typeof value === "number" ? [] : [`${path}: not a number`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: not a boolean`];
    case "timestamp":
      return value instanceof Date ? [] : [`${path}: not a Date (written as epoch seconds)`];
    case "list":
      if (!Array.isArray(value)) return [`${path}: not a list`];
      return value.flatMap((v, i) => typeProblems(shapes[shape.member!.shape]!, v, `${path}.${i}`));
    case "map":
      if (typeof value !== "object" || value === null) return [`${path}: not a map`];
      return Object.entries(value).flatMap(([k, v]) => typeProblems(shapes[shape.value!.shape]!, v, `${path}.${k}`));
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path}: not a structure`];
      const known = membersOf(shape);
      const problems = Object.entries(value).flatMap(([k, v]) =>
        known.includes(k) ? typeProblems(memberShape(shape, k), v, path ? `${path}.${k}` : k) : [`${path}.${k}: not a member of the shape`],
      );
      return [...problems, ...(shape.required ?? []).filter((r) => !(r in value)).map((r) => `${path}.${r}: required, missing`)];
    }
    default:
      return [`${path}: unexpected shape type ${shape.type}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Records

/** A minimal tuning job: one definition, the objective and ranges in the config. */
const minimalRequest = {
  HyperParameterTuningJobName: "tune",
  HyperParameterTuningJobConfig: {
    Strategy: "Bayesian",
    HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
    ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
    ParameterRanges: { ContinuousParameterRanges: [{ Name: "lr", MinValue: "0.001", MaxValue: "0.1" }] },
  },
  TrainingJobDefinition: {
    StaticHyperParameters: { epochs: "3" },
    AlgorithmSpecification: { TrainingImage: "img:1", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=(\\S+)" }] },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train" } } }],
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    StoppingCondition: {},
  },
};

/** Every member the request can have: several definitions, a warm start, completion criteria. */
const fullRequest = {
  HyperParameterTuningJobName: "full",
  HyperParameterTuningJobConfig: {
    Strategy: "Bayesian",
    StrategyConfig: undefined,
    ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 3, MaxRuntimeInSeconds: 3600 },
    TrainingJobEarlyStoppingType: "Auto",
    TuningJobCompletionCriteria: {
      TargetObjectiveMetricValue: 0.9,
      BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 },
      ConvergenceDetected: { CompleteOnConvergence: "Enabled" },
    },
    RandomSeed: 7,
  },
  TrainingJobDefinitions: ["a", "b"].map((name) => ({
    DefinitionName: name,
    TuningObjective: { Type: "Maximize", MetricName: "acc" },
    HyperParameterRanges: {
      IntegerParameterRanges: [{ Name: "depth", MinValue: "1", MaxValue: "9", ScalingType: "Linear" }],
      CategoricalParameterRanges: [{ Name: "act", Values: ["relu", "tanh"] }],
    },
    StaticHyperParameters: { epochs: "3" },
    AlgorithmSpecification: { TrainingImage: `img-${name}:1`, TrainingInputMode: "File", MetricDefinitions: [{ Name: "acc", Regex: "acc=(\\S+)" }] },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train" } }, InputMode: "File" }],
    VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1"] },
    OutputDataConfig: { S3OutputPath: "s3://bucket/out", KmsKeyId: "alias/k", CompressionType: "NONE" },
    HyperParameterTuningResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10, AllocationStrategy: "Prioritized" },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: false,
    EnableManagedSpotTraining: false,
    CheckpointConfig: { S3Uri: "s3://bucket/ckpt" },
    RetryStrategy: { MaximumRetryAttempts: 1 },
    Environment: { A: "1" },
  })),
  WarmStartConfig: { ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent" }], WarmStartType: "IdenticalDataAndAlgorithm" },
  Tags: [{ Key: "team", Value: "ml" }],
};
delete (fullRequest.HyperParameterTuningJobConfig as Record<string, unknown>).StrategyConfig;

const T0 = 1_700_000_000;

function tuningRecord(request: object, patch: Partial<TuningJobRecord> = {}): TuningJobRecord {
  const name = (request as { HyperParameterTuningJobName: string }).HyperParameterTuningJobName;
  return {
    name,
    arn: `arn:aws:sagemaker:us-west-2:000000000000:hyper-parameter-tuning-job/${name}`,
    request,
    status: "InProgress",
    failureReason: null,
    creationTime: T0,
    lastModifiedTime: T0 + 5,
    endTime: null,
    completion: null,
    state: null,
    ...patch,
  };
}

interface TrialSpec {
  seq: number;
  status?: JobRecord["status"];
  metrics?: Record<string, number>;
  started?: number;
  ended?: number;
  failureReason?: string;
  definition?: string | null;
  job?: string;
}

function trial(spec: TrialSpec): TrialView {
  const job = spec.job ?? "tune";
  const name = `${job}-${String(spec.seq).padStart(3, "0")}-0a1b2c3d`;
  const tuning: TrainingJobTuning = { job, definition: spec.definition ?? null, tuned: { lr: `0.0${spec.seq}` }, seq: spec.seq };
  const record: JobRecord = {
    name,
    arn: `arn:aws:sagemaker:us-west-2:000000000000:training-job/${name}`,
    request: {},
    status: spec.status ?? "Completed",
    secondaryStatus: "Completed",
    failureReason: spec.failureReason ?? null,
    creationTime: T0 + spec.seq,
    lastModifiedTime: T0 + spec.seq + 100,
    trainingStartTime: spec.started ?? null,
    trainingEndTime: spec.ended ?? null,
    modelArtifacts: null,
    workDir: "/w",
    executorState: null,
    stopRequested: null,
    warnings: [],
    python: null,
    tuning,
  };
  const finalMetrics: MetricSample[] = Object.entries(spec.metrics ?? {}).map(([n, value]) => ({ name: n, value, timestamp: T0 + 50 }));
  return { job: record, finalMetrics };
}

const minimalTrials = [
  trial({ seq: 1, metrics: { loss: 0.5 }, started: T0 + 10, ended: T0 + 40 }),
  trial({ seq: 2, status: "Failed", failureReason: "AlgorithmError: boom", metrics: { loss: 0.01 }, started: T0 + 11, ended: T0 + 20 }),
  trial({ seq: 3, status: "Stopped", metrics: { loss: 0.25 }, started: T0 + 12, ended: T0 + 30 }),
  trial({ seq: 4, status: "InProgress", metrics: { loss: 0.001 }, started: T0 + 50 }),
  trial({ seq: 5, status: "Completed", metrics: { other: 1 }, started: T0 + 13, ended: T0 + 14 }),
];
const fullTrials = [
  trial({ seq: 1, job: "full", definition: "a", metrics: { acc: 0.7 }, started: T0 + 10, ended: T0 + 20 }),
  trial({ seq: 2, job: "full", definition: "b", metrics: { acc: 0.8 }, started: T0 + 10, ended: T0 + 20 }),
];
const parentTrials = [trial({ seq: 1, job: "parent", definition: "a", metrics: { acc: 0.95 }, started: T0 - 100, ended: T0 - 50 })];

const views: Record<string, TuningJobView> = {
  created: { record: tuningRecord(minimalRequest), trials: [], parentTrials: [] },
  running: { record: tuningRecord(minimalRequest), trials: minimalTrials, parentTrials: [] },
  completed: {
    record: tuningRecord(fullRequest, { status: "Completed", endTime: T0 + 100, completion: { NumberOfTrainingJobsObjectiveNotImproving: 1, ConvergenceDetectedTime: T0 + 90 } }),
    trials: fullTrials,
    parentTrials,
  },
  failed: { record: tuningRecord(minimalRequest, { status: "Failed", endTime: T0 + 100, failureReason: "No training job succeeded after 5 attempts." }), trials: [], parentTrials: [] },
};

const NOW = T0 + 60;
const answers = Object.fromEntries(Object.entries(views).map(([k, v]) => [k, describeHyperParameterTuningJob(v, NOW)]));

// ---------------------------------------------------------------------------------------------

describe("the test's requests", () => {
  it("are valid CreateHyperParameterTuningJob requests", () => {
    expect(() => validateCreateHyperParameterTuningJob(structuredClone(minimalRequest))).not.toThrow();
    expect(() => validateCreateHyperParameterTuningJob(structuredClone(fullRequest))).not.toThrow();
  });
});

describe("DescribeHyperParameterTuningJob's answer against botocore's DescribeHyperParameterTuningJobResponse", () => {
  it.each(Object.keys(views))("answers only members of the shape, each of its type, every required one (%s)", (state) => {
    expect(typeProblems(responseShape, answers[state]!, "")).toEqual([]);
  });

  it("answers every member of the shape, or lists why it can be absent", () => {
    const answered = new Set(Object.values(answers).flatMap((a) => Object.keys(a)));
    expect(membersOf(responseShape).filter((m) => !answered.has(m) && WHEN_ABSENT[m] === undefined)).toEqual([]);
  });

  it("answers every member of the config, the training definitions and the trial summaries, or lists why it can be absent", () => {
    const unexplained: string[] = [];
    const check = (structure: string, shape: BotocoreShape, values: Record<string, unknown>[]) => {
      for (const member of membersOf(shape)) {
        if (!values.some((v) => member in v) && WHEN_ABSENT[`${structure}.${member}`] === undefined) unexplained.push(`${structure}.${member}`);
      }
    };
    const all = Object.values(answers);
    check("HyperParameterTuningJobConfig", memberShape(responseShape, "HyperParameterTuningJobConfig"), all.map((a) => a.HyperParameterTuningJobConfig as Record<string, unknown>));
    const definitions = all.flatMap((a) => [
      ...(a.TrainingJobDefinition ? [a.TrainingJobDefinition as Record<string, unknown>] : []),
      ...((a.TrainingJobDefinitions as Record<string, unknown>[] | undefined) ?? []),
    ]);
    check("TrainingJobDefinition", shapes.HyperParameterTrainingJobDefinition!, definitions);
    const request = minimalRequest as unknown as CreateHyperParameterTuningJobRequest;
    check("HyperParameterTrainingJobSummary", shapes.HyperParameterTrainingJobSummary!, [
      ...minimalTrials.map((t) => trainingJobSummary(request, t)),
      ...fullTrials.map((t) => trainingJobSummary(fullRequest as unknown as CreateHyperParameterTuningJobRequest, t)),
    ]);
    expect(unexplained).toEqual([]);
  });

  it("lists only members the shapes have, each with a reason", () => {
    const structures: Record<string, BotocoreShape> = {
      HyperParameterTuningJobConfig: memberShape(responseShape, "HyperParameterTuningJobConfig"),
      TrainingJobDefinition: shapes.HyperParameterTrainingJobDefinition!,
      HyperParameterTrainingJobSummary: shapes.HyperParameterTrainingJobSummary!,
    };
    const stale = Object.entries(WHEN_ABSENT).filter(([path, reason]) => {
      if (reason.trim() === "") return true;
      const [head, member] = path.split(".");
      return member === undefined ? !membersOf(responseShape).includes(head!) : !membersOf(structures[head!] ?? {} as BotocoreShape).includes(member);
    });
    expect(stale).toEqual([]);
  });

  it("answers trial summaries and list summaries of the shapes botocore gives them", () => {
    const request = minimalRequest as unknown as CreateHyperParameterTuningJobRequest;
    for (const t of minimalTrials) expect(typeProblems(shapes.HyperParameterTrainingJobSummary!, trainingJobSummary(request, t), "summary")).toEqual([]);
    for (const view of Object.values(views)) expect(typeProblems(shapes.HyperParameterTuningJobSummary!, tuningJobSummary(view), "summary")).toEqual([]);
  });
});

describe("DescribeHyperParameterTuningJob: what it says", () => {
  const request = minimalRequest as unknown as CreateHyperParameterTuningJobRequest;

  it("counts training jobs by status and objectives by status, as SageMaker counts them", () => {
    expect(answers.running).toMatchObject({
      TrainingJobStatusCounters: { Completed: 2, InProgress: 1, RetryableError: 0, NonRetryableError: 1, Stopped: 1 },
      // 1 and 3 ended with a loss; 4 runs; 2 failed; 5 ended without one.
      ObjectiveStatusCounters: { Succeeded: 2, Pending: 1, Failed: 2 },
      ConsumedResources: { RuntimeInSeconds: 30 + 9 + 18 + 10 + 1 },
    });
    expect(answers.created).toMatchObject({
      TrainingJobStatusCounters: { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
      ObjectiveStatusCounters: { Succeeded: 0, Pending: 0, Failed: 0 },
      ConsumedResources: { RuntimeInSeconds: 0 },
    });
    expect(runtimeInSeconds(minimalTrials, NOW + 100)).toBe(30 + 9 + 18 + 110 + 1);
  });

  it("names the best job among those that ended with an objective value, with its tuned values and objective", () => {
    // The running trial's 0.001 and the failed trial's 0.01 do not count: the stopped trial's 0.25 is best.
    expect(answers.running!.BestTrainingJob).toEqual({
      TrainingJobName: "tune-003-0a1b2c3d",
      TrainingJobArn: "arn:aws:sagemaker:us-west-2:000000000000:training-job/tune-003-0a1b2c3d",
      TuningJobName: "tune",
      CreationTime: new Date((T0 + 3) * 1000),
      TrainingStartTime: new Date((T0 + 12) * 1000),
      TrainingEndTime: new Date((T0 + 30) * 1000),
      TrainingJobStatus: "Stopped",
      TunedHyperParameters: { lr: "0.03" },
      FinalHyperParameterTuningJobObjectiveMetric: { Type: "Minimize", MetricName: "loss", Value: 0.25 },
      ObjectiveStatus: "Succeeded",
    });
    expect(answers.created).not.toHaveProperty("BestTrainingJob");
    const summaries = minimalTrials.map((t) => trainingJobSummary(request, t));
    expect(summaries.map((s) => s.ObjectiveStatus)).toEqual(["Succeeded", "Failed", "Succeeded", "Pending", "Failed"]);
    expect(summaries[1]).toMatchObject({ FailureReason: "AlgorithmError: boom" });
    expect(summaries[3]).not.toHaveProperty("FinalHyperParameterTuningJobObjectiveMetric");
    expect(summaries[3]).not.toHaveProperty("TrainingEndTime");
  });

  it("picks the highest value to maximize, the lowest to minimize, the earlier trial on a tie", () => {
    const tie = [trial({ seq: 2, metrics: { loss: 0.3 } }), trial({ seq: 1, metrics: { loss: 0.3 } }), trial({ seq: 3, metrics: { loss: 0.9 } })];
    expect(bestTrial(request, tie)?.job.tuning?.seq).toBe(1);
    const maximize = structuredClone(minimalRequest) as unknown as CreateHyperParameterTuningJobRequest;
    maximize.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective!.Type = "Maximize";
    expect(bestTrial(maximize, tie)?.job.tuning?.seq).toBe(3);
    expect(bestTrial(request, [])).toBeUndefined();
  });

  it("answers the best of the warm start parents' jobs too, for IdenticalDataAndAlgorithm", () => {
    expect((answers.completed!.BestTrainingJob as Record<string, unknown>).TrainingJobName).toBe("full-002-0a1b2c3d");
    expect(answers.completed!.BestTrainingJob).toMatchObject({ TrainingJobDefinitionName: "b", FinalHyperParameterTuningJobObjectiveMetric: { Type: "Maximize", MetricName: "acc", Value: 0.8 } });
    expect(answers.completed!.OverallBestTrainingJob).toMatchObject({ TrainingJobName: "parent-001-0a1b2c3d", TuningJobName: "parent", TrainingJobDefinitionName: "a" });
    const transfer = structuredClone(fullRequest);
    transfer.WarmStartConfig.WarmStartType = "TransferLearning";
    expect(describeHyperParameterTuningJob({ ...views.completed!, record: tuningRecord(transfer) })).not.toHaveProperty("OverallBestTrainingJob");
  });

  it("answers the end, the failure and the completion details the record holds", () => {
    expect(answers.completed).toMatchObject({
      HyperParameterTuningJobStatus: "Completed",
      HyperParameterTuningEndTime: new Date((T0 + 100) * 1000),
      TuningJobCompletionDetails: { NumberOfTrainingJobsObjectiveNotImproving: 1, ConvergenceDetectedTime: new Date((T0 + 90) * 1000) },
    });
    expect(answers.failed).toMatchObject({ HyperParameterTuningJobStatus: "Failed", FailureReason: "No training job succeeded after 5 attempts." });
    for (const m of ["HyperParameterTuningEndTime", "FailureReason", "TuningJobCompletionDetails", "WarmStartConfig"]) expect(answers.running).not.toHaveProperty(m);
  });

  it("answers SageMaker's defaults where the request left members out, as HyperparameterTuner.attach reads them", () => {
    expect(answers.created).toMatchObject({
      HyperParameterTuningJobConfig: {
        TrainingJobEarlyStoppingType: "Off",
        ParameterRanges: { IntegerParameterRanges: [], ContinuousParameterRanges: [{ Name: "lr" }], CategoricalParameterRanges: [] },
      },
      TrainingJobDefinition: {
        StaticHyperParameters: { epochs: "3", _tuning_objective_metric: "loss" },
        OutputDataConfig: { S3OutputPath: "s3://bucket/out", KmsKeyId: "", CompressionType: "GZIP" },
        ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        InputDataConfig: [{ ChannelName: "train", CompressionType: "None", RecordWrapperType: "None", DataSource: { S3DataSource: { S3DataDistributionType: "FullyReplicated" } } }],
        EnableNetworkIsolation: false,
        EnableInterContainerTrafficEncryption: false,
        EnableManagedSpotTraining: false,
      },
    });
    expect(answers.created).not.toHaveProperty("TrainingJobDefinitions");
    expect(answers.created).not.toHaveProperty("Tags");
    const noMetrics = structuredClone(minimalRequest) as Record<string, any>;
    noMetrics.TrainingJobDefinition.AlgorithmSpecification = { AlgorithmName: "xgboost", TrainingInputMode: "File" };
    expect(describeHyperParameterTuningJob({ ...views.created!, record: tuningRecord(noMetrics) })).toMatchObject({
      TrainingJobDefinition: { AlgorithmSpecification: { MetricDefinitions: [] } },
    });
  });

  it("answers a Grid job's MaxNumberOfTrainingJobs: the number of combinations", () => {
    const grid = structuredClone(minimalRequest) as Record<string, any>;
    grid.HyperParameterTuningJobConfig.Strategy = "Grid";
    delete grid.HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs;
    grid.HyperParameterTuningJobConfig.ParameterRanges = { CategoricalParameterRanges: [{ Name: "a", Values: ["1", "2", "3"] }, { Name: "b", Values: ["x", "y"] }] };
    const view = { ...views.created!, record: tuningRecord(grid) };
    expect(describeHyperParameterTuningJob(view)).toMatchObject({ HyperParameterTuningJobConfig: { ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 } } });
    expect(tuningJobSummary(view)).toMatchObject({ Strategy: "Grid", ResourceLimits: { MaxNumberOfTrainingJobs: 6 } });
  });

  it("keeps several training definitions as they came, each with its objective metric among its static hyperparameters", () => {
    const definitions = answers.completed!.TrainingJobDefinitions as Record<string, any>[];
    expect(definitions.map((d) => d.DefinitionName)).toEqual(["a", "b"]);
    expect(definitions[0]).toMatchObject({
      StaticHyperParameters: { epochs: "3", _tuning_objective_metric: "acc" },
      HyperParameterRanges: { IntegerParameterRanges: [{ Name: "depth" }], ContinuousParameterRanges: [], CategoricalParameterRanges: [{ Name: "act" }] },
      HyperParameterTuningResourceConfig: { InstanceType: "ml.m5.large" },
      OutputDataConfig: { KmsKeyId: "alias/k", CompressionType: "NONE" },
      EnableNetworkIsolation: true,
    });
    // Its one instance type described as a ResourceConfig too (the SageMaker Python SDK's attach reads it).
    expect(definitions[0]!.ResourceConfig).toEqual({ InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 });
    expect(answers.completed!.HyperParameterTuningJobConfig).not.toHaveProperty("ParameterRanges");
    expect(answers.completed!.HyperParameterTuningJobConfig).toMatchObject({ TrainingJobEarlyStoppingType: "Auto", RandomSeed: 7 });
  });

  it("summarizes a tuning job for ListHyperParameterTuningJobs", () => {
    expect(tuningJobSummary(views.running!)).toEqual({
      HyperParameterTuningJobName: "tune",
      HyperParameterTuningJobArn: "arn:aws:sagemaker:us-west-2:000000000000:hyper-parameter-tuning-job/tune",
      HyperParameterTuningJobStatus: "InProgress",
      Strategy: "Bayesian",
      CreationTime: new Date(T0 * 1000),
      LastModifiedTime: new Date((T0 + 5) * 1000),
      TrainingJobStatusCounters: { Completed: 2, InProgress: 1, RetryableError: 0, NonRetryableError: 1, Stopped: 1 },
      ObjectiveStatusCounters: { Succeeded: 2, Pending: 1, Failed: 2 },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
    });
  });
});
