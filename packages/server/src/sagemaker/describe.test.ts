/**
 * DescribeTrainingJob's answer against botocore's model of it (the machine's python3 botocore):
 * every member of DescribeTrainingJobResponse is answered or its absence is listed with a reason
 * (WHEN_ABSENT), nothing outside the shape is answered (but Optml* extensions), and every value
 * has the type the model gives it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { JobView } from "../control-plane.js";
import type { JobRecord } from "../store/index.js";
import { describeTrainingJob, WHEN_ABSENT } from "./describe.js";

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
const responseShape = shapes.DescribeTrainingJobResponse!;
const membersOf = (shape: BotocoreShape) => Object.keys(shape.members ?? {});
const memberShape = (shape: BotocoreShape, member: string) => shapes[shape.members![member]!.shape]!;

/** A job created with only the required members, and one channel. */
const minimalRequest = {
  TrainingJobName: "minimal",
  AlgorithmSpecification: { TrainingImage: "my-image:latest", TrainingInputMode: "File" },
  RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
  InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train" } } }],
  OutputDataConfig: { S3OutputPath: "s3://bucket/output" },
  ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 },
  StoppingCondition: {},
};

function view(request: Record<string, unknown>, patch: Partial<JobRecord> = {}, metrics = false): JobView {
  const record: JobRecord = {
    name: String(request.TrainingJobName),
    arn: `arn:aws:sagemaker:us-west-2:000000000000:training-job/${String(request.TrainingJobName)}`,
    request,
    status: "InProgress",
    secondaryStatus: "Starting",
    failureReason: null,
    creationTime: 1_700_000_000,
    lastModifiedTime: 1_700_000_000,
    trainingStartTime: null,
    trainingEndTime: null,
    modelArtifacts: null,
    workDir: "/w",
    executorState: null,
    stopRequested: null,
    warnings: [],
    python: null,
    tuning: null,
    ...patch,
  };
  return {
    record,
    transitions: [{ status: "Starting", startTime: 1_700_000_000, endTime: null, message: "Launching requested ML instances" }],
    finalMetrics: metrics ? [{ name: "loss", value: 0.25, timestamp: 1_700_000_050 }] : [],
  };
}

const ended = { trainingStartTime: 1_700_000_010, trainingEndTime: 1_700_000_070, lastModifiedTime: 1_700_000_080 };
const states: Record<string, JobView> = {
  created: view(minimalRequest),
  completed: view(minimalRequest, { status: "Completed", secondaryStatus: "Completed", modelArtifacts: "s3://bucket/output/minimal/output/model.tar.gz", ...ended }, true),
  failed: view(minimalRequest, { status: "Failed", secondaryStatus: "Failed", failureReason: "AlgorithmError: boom", ...ended }),
  tuned: view(
    { ...minimalRequest, TrainingJobName: "Tune-Lr-002-0a1b2c3d", HyperParameters: { lr: "0.1", _tuning_objective_metric: "loss" } },
    { tuning: { job: "Tune-Lr", definition: null, tuned: { lr: "0.1" }, seq: 2 } },
  ),
};

/** Type mismatches of `value` against a botocore shape, as `path: problem`. */
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
      const problems = Object.entries(value)
        .filter(([k]) => !(path === "" && k.startsWith("Optml")))
        .flatMap(([k, v]) => (known.includes(k) ? typeProblems(memberShape(shape, k), v, path ? `${path}.${k}` : k) : [`${path}.${k}: not a member of the shape`]));
      // The response's own `required` list is not what SageMaker does (see WHEN_ABSENT.ModelArtifacts).
      const required = path === "" ? [] : (shape.required ?? []);
      return [...problems, ...required.filter((r) => !(r in value)).map((r) => `${path}.${r}: required, missing`)];
    }
    default:
      return [`${path}: unexpected shape type ${shape.type}`];
  }
}

describe("DescribeTrainingJob's answer against botocore's DescribeTrainingJobResponse", () => {
  it.each(Object.keys(states))("answers only members of the shape, each of its type (%s)", (state) => {
    expect(typeProblems(responseShape, describeTrainingJob(states[state]!), "")).toEqual([]);
  });

  it("answers every member of the shape, or lists why it can be absent", () => {
    const answered = new Set(Object.values(states).flatMap((v) => Object.keys(describeTrainingJob(v))));
    const unexplained = membersOf(responseShape).filter((m) => !answered.has(m) && WHEN_ABSENT[m] === undefined);
    expect(unexplained).toEqual([]);
  });

  it("answers every member of the structures every job has, or lists why it can be absent", () => {
    const answer = describeTrainingJob(states.created!) as Record<string, Record<string, unknown>>;
    const unexplained: string[] = [];
    for (const structure of ["AlgorithmSpecification", "OutputDataConfig", "ResourceConfig", "StoppingCondition"]) {
      for (const member of membersOf(memberShape(responseShape, structure))) {
        if (!(member in answer[structure]!) && WHEN_ABSENT[`${structure}.${member}`] === undefined) unexplained.push(`${structure}.${member}`);
      }
    }
    const channel = (answer.InputDataConfig as unknown as Record<string, unknown>[])[0]!;
    for (const member of membersOf(shapes.Channel!)) {
      if (!(member in channel) && WHEN_ABSENT[`InputDataConfig.member.${member}`] === undefined) unexplained.push(`InputDataConfig.member.${member}`);
    }
    expect(unexplained).toEqual([]);
  });

  it("lists only members the shape has, each with a reason", () => {
    const stale = Object.entries(WHEN_ABSENT).filter(([path, reason]) => {
      if (reason.trim() === "") return true;
      const parts = path.split(".");
      if (parts[0] === "InputDataConfig" && parts[1] === "member") return !membersOf(shapes.Channel!).includes(parts[2]!);
      return parts.length === 1 ? !membersOf(responseShape).includes(path) : !membersOf(memberShape(responseShape, parts[0]!)).includes(parts[1]!);
    });
    expect(stale).toEqual([]);
  });
});

describe("DescribeTrainingJob of a tuning job's training job", () => {
  it("answers the tuning job's ARN (its name in lower case), in the training job's region and account", () => {
    expect(describeTrainingJob(states.tuned!).TuningJobArn).toBe("arn:aws:sagemaker:us-west-2:000000000000:hyper-parameter-tuning-job/tune-lr");
    expect(describeTrainingJob(states.created!)).not.toHaveProperty("TuningJobArn");
  });
});

describe("DescribeTrainingJob's defaults and echo", () => {
  it("answers SageMaker's defaults for what a minimal request left out", () => {
    const answer = describeTrainingJob(states.created!);
    expect(answer).toMatchObject({
      OutputDataConfig: { S3OutputPath: "s3://bucket/output", KmsKeyId: "", CompressionType: "GZIP" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      AlgorithmSpecification: { TrainingImage: "my-image:latest", TrainingInputMode: "File", EnableSageMakerMetricsTimeSeries: false },
      InputDataConfig: [
        {
          ChannelName: "train",
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train", S3DataDistributionType: "FullyReplicated" } },
          CompressionType: "None",
          RecordWrapperType: "None",
        },
      ],
      EnableNetworkIsolation: false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: false,
      ProfilingStatus: "Disabled",
    });
    for (const member of ["ModelArtifacts", "TrainingStartTime", "FailureReason", "ProfilerConfig", "HyperParameters"]) expect(answer).not.toHaveProperty(member);
    expect(describeTrainingJob(states.completed!)).toMatchObject({
      ModelArtifacts: { S3ModelArtifacts: "s3://bucket/output/minimal/output/model.tar.gz" },
      TrainingTimeInSeconds: 60,
      BillableTimeInSeconds: 60,
      FinalMetricDataList: [{ MetricName: "loss", Value: 0.25 }],
    });
    expect(describeTrainingJob(states.failed!)).toMatchObject({ FailureReason: "AlgorithmError: boom" });
  });

  it("keeps what the request gave over the defaults, echoes every echoed member, and leaves out Tags", () => {
    const full = {
      ...minimalRequest,
      TrainingJobName: "full",
      HyperParameters: { epochs: "3" },
      AlgorithmSpecification: { ...minimalRequest.AlgorithmSpecification, EnableSageMakerMetricsTimeSeries: true, MetricDefinitions: [{ Name: "loss", Regex: "loss=(\\S+)" }] },
      InputDataConfig: [{ ...minimalRequest.InputDataConfig[0]!, CompressionType: "Gzip", RecordWrapperType: "RecordIO", InputMode: "Pipe" }],
      OutputDataConfig: { S3OutputPath: "s3://bucket/output", KmsKeyId: "alias/mine", CompressionType: "NONE" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 100, KeepAlivePeriodInSeconds: 60 },
      StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 1200 },
      VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1"] },
      Tags: [{ Key: "team", Value: "ml" }],
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: "s3://bucket/checkpoints" },
      DebugHookConfig: { S3OutputPath: "s3://bucket/debug", CollectionConfigurations: [] },
      ExperimentConfig: { ExperimentName: "exp" },
      DebugRuleConfigurations: [{ RuleConfigurationName: "r", RuleEvaluatorImage: "img" }],
      TensorBoardOutputConfig: { S3OutputPath: "s3://bucket/tb" },
      ProfilerConfig: { S3OutputPath: "s3://bucket/profiler", DisableProfiler: false },
      ProfilerRuleConfigurations: [{ RuleConfigurationName: "p", RuleEvaluatorImage: "img" }],
      Environment: { A: "1" },
      RetryStrategy: { MaximumRetryAttempts: 2 },
      RemoteDebugConfig: { EnableRemoteDebug: false },
      InfraCheckConfig: { EnableInfraCheck: false },
      ServerlessJobConfig: { BaseModelArn: "arn:aws:sagemaker:us-west-2:aws:hub-content/x", JobType: "FineTuning" },
      MlflowConfig: { MlflowResourceArn: "arn:aws:sagemaker:us-west-2:000000000000:mlflow-tracking-server/x" },
      ModelPackageConfig: { ModelPackageGroupArn: "arn:aws:sagemaker:us-west-2:000000000000:model-package-group/x" },
      SessionChainingConfig: { EnableSessionTagChaining: true },
    };
    const answer = describeTrainingJob(view(full));
    expect(typeProblems(responseShape, answer, "")).toEqual([]);
    const echoed = Object.entries(WHEN_ABSENT).filter(([m, reason]) => !m.includes(".") && reason.startsWith("echoed")).map(([m]) => m);
    expect(echoed.filter((m) => !(m in answer))).toEqual([]);
    expect(answer).toMatchObject({
      OutputDataConfig: full.OutputDataConfig,
      ResourceConfig: full.ResourceConfig,
      StoppingCondition: full.StoppingCondition,
      AlgorithmSpecification: full.AlgorithmSpecification,
      InputDataConfig: [full.InputDataConfig[0]],
      EnableManagedSpotTraining: true,
      ProfilerConfig: { S3OutputPath: "s3://bucket/profiler", DisableProfiler: false, ProfilingIntervalInMilliseconds: 500 },
      ProfilingStatus: "Enabled",
    });
    expect(answer).not.toHaveProperty("Tags");
    expect(answer).not.toHaveProperty("SessionChainingConfig");
    expect(describeTrainingJob(view({ ...full, ProfilerConfig: { DisableProfiler: true } }))).toMatchObject({
      ProfilerConfig: { DisableProfiler: true },
      ProfilingStatus: "Disabled",
    });
  });
});
