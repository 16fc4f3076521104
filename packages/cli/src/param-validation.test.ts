import { loads } from "@optml/contract";
import { SAGEMAKER_MODEL, type ServiceModel } from "@optml/server";
import { describe, expect, it } from "vitest";
import { scaffoldFiles } from "./init-templates.js";
import { editDistance } from "./param-hints.js";
import { problemLine, pythonView, validateParameters } from "./param-validation.js";

type Json = Record<string, unknown>;

/** A CreateTrainingJob request as the SageMaker Python SDK sends it, with members optml's server does not model. */
function request(overrides: Json = {}): Json {
  return {
    TrainingJobName: "pytorch-training-2024-01-02-03-04-05-678",
    AlgorithmSpecification: {
      TrainingInputMode: "File",
      TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-cpu-py310",
      EnableSageMakerMetricsTimeSeries: true,
      MetricDefinitions: [{ Name: "train:loss", Regex: "loss: ([0-9\\.]+)" }],
    },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    HyperParameters: { epochs: "10", sagemaker_program: '"train.py"' },
    InputDataConfig: [
      {
        ChannelName: "training",
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/data/train", S3DataDistributionType: "FullyReplicated" } },
      },
    ],
    OutputDataConfig: { S3OutputPath: "s3://bucket/" },
    ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: "ml.m5.xlarge" },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    Tags: [{ Key: "project", Value: "optml" }],
    RetryStrategy: { MaximumRetryAttempts: 2 },
    Environment: { SM_LOG_LEVEL: "20" },
    ...overrides,
  };
}

/** The problems' lines for a request given as JSON text (so that 2.0 is a float, as in Python). */
function problemsOfText(text: string, model: ServiceModel = SAGEMAKER_MODEL, operation = "CreateTrainingJob"): string[] {
  return validateParameters(model, operation, pythonView(JSON.parse(text), loads(text))).map(problemLine);
}

function problems(value: Json): string[] {
  return problemsOfText(JSON.stringify(value));
}

const TOP_MEMBERS =
  "TrainingJobName, HyperParameters, AlgorithmSpecification, RoleArn, InputDataConfig, OutputDataConfig, ResourceConfig, VpcConfig, " +
  "StoppingCondition, Tags, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, EnableManagedSpotTraining, CheckpointConfig, " +
  "DebugHookConfig, DebugRuleConfigurations, TensorBoardOutputConfig, ExperimentConfig, ProfilerConfig, ProfilerRuleConfigurations, " +
  "Environment, RetryStrategy, RemoteDebugConfig, InfraCheckConfig, SessionChainingConfig, ServerlessJobConfig, MlflowConfig, ModelPackageConfig";

describe("parameter validation of CreateTrainingJob (the AWS CLI's checks)", () => {
  it("passes a correct request, members optml's server does not model included", () => {
    expect(problems(request())).toEqual([]);
    expect(
      problems(
        request({
          MlflowConfig: { MlflowResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/x" },
          InfraCheckConfig: { EnableInfraCheck: false },
          ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, InstancePlacementConfig: { EnableMultipleJobs: false } },
        }),
      ),
    ).toEqual([]);
  });

  it("passes the job.json optml init writes", () => {
    const job = scaffoldFiles({ name: "demo", contractTarball: "optml-contract-0.1.0.tgz", runnerTarball: "optml-runner-0.1.0.tgz" })["job.json"]!;
    expect(problemsOfText(job.replace("{", '{"TrainingJobName": "demo-1",'))).toEqual([]);
  });

  it("refuses an unknown member at depth 1, 2 and 3, with a close name beside it", () => {
    const r = request();
    delete r.Environment;
    expect(problems({ ...r, Enviroment: { A: "b" } })).toEqual([
      `Unknown parameter in input: "Enviroment", must be one of: ${TOP_MEMBERS}; did you mean "Environment"?`,
    ]);
    expect(problems(request({ StoppingCondition: { MaxRuntimeInSecond: 60 } }))).toEqual([
      'Unknown parameter in StoppingCondition: "MaxRuntimeInSecond", must be one of: MaxRuntimeInSeconds, MaxWaitTimeInSeconds, MaxPendingTimeInSeconds; did you mean "MaxRuntimeInSeconds"?',
    ]);
    const spec = { TrainingInputMode: "File", TrainingImageConfig: { TrainingRepositoryAccessMode: "Vpc", TrainingRepositoryAuthConfig: { CredentialsArn: "x" } } };
    expect(problems(request({ AlgorithmSpecification: spec }))).toEqual([
      'Missing required parameter in AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig: "TrainingRepositoryCredentialsProviderArn"; add it: a string',
      'Unknown parameter in AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig: "CredentialsArn", must be one of: TrainingRepositoryCredentialsProviderArn',
    ]);
  });

  it("refuses an unknown member in a list element, with its index", () => {
    const channel = (extra: Json) => ({ ChannelName: "x", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/x", ...extra } } });
    expect(problems(request({ InputDataConfig: [channel({}), channel({ S3DataDistribution: "ShardedByS3Key" })] }))).toEqual([
      'Unknown parameter in InputDataConfig[1].DataSource.S3DataSource: "S3DataDistribution", must be one of: S3DataType, S3Uri, S3DataDistributionType, AttributeNames, InstanceGroupNames, ModelAccessConfig, HubAccessConfig; did you mean "S3DataDistributionType"?',
    ]);
    expect(problems(request({ AlgorithmSpecification: { TrainingInputMode: "File", MetricDefinitions: [{ Name: "a", Regexp: "b" }] } }))).toEqual([
      'Missing required parameter in AlgorithmSpecification.MetricDefinitions[0]: "Regex"; add it: a string',
      'Unknown parameter in AlgorithmSpecification.MetricDefinitions[0]: "Regexp", must be one of: Name, Regex; did you mean "Regex"?',
    ]);
  });

  it("suggests a name that differs in case, with two letters swapped, or that belongs elsewhere; nothing when nothing is close", () => {
    const { HyperParameters, Environment, ...rest } = request();
    const hints = (value: Json) => problems(value).map((line) => line.split("; ")[1]);
    expect(hints({ ...rest, Hyperparameters: HyperParameters })).toEqual(['did you mean "HyperParameters"? (member names are case-sensitive)']);
    expect(hints({ ...rest, Enviornment: Environment })).toEqual(['did you mean "Environment"?']);
    expect(hints({ ...rest, MetricDefinitions: [] })).toEqual(["did you mean AlgorithmSpecification.MetricDefinitions?"]);
    const channel = { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/x" } }, S3Uri: "s3://b/y" };
    expect(hints(request({ InputDataConfig: [channel] }))).toEqual(["did you mean InputDataConfig[0].DataSource.S3DataSource.S3Uri?"]);
    expect(hints({ ...rest, Frobnicate: 1 })).toEqual([undefined]);
  });

  it("names the member, the expected type and the fix for a wrong JSON type", () => {
    const text = JSON.stringify(request({ HyperParameters: { epochs: 2, lr: "X", flag: true, shape: { a: [1, "b"] }, gone: null } }))
      .replace('"X"', "0.5");
    expect(problemsOfText(text)).toEqual([
      "Invalid type for parameter HyperParameters.epochs, value: 2, type: <class 'int'>, valid types: <class 'str'>; write \"2\" (hyperparameter values are strings)",
      "Invalid type for parameter HyperParameters.lr, value: 0.5, type: <class 'float'>, valid types: <class 'str'>; write \"0.5\" (hyperparameter values are strings)",
      "Invalid type for parameter HyperParameters.flag, value: True, type: <class 'bool'>, valid types: <class 'str'>; write \"true\" (hyperparameter values are strings)",
      "Invalid type for parameter HyperParameters.shape, value: {'a': [1, 'b']}, type: <class 'dict'>, valid types: <class 'str'>; write it as a string of JSON: \"{\\\"a\\\": [1, \\\"b\\\"]}\" (hyperparameter values are strings)",
      "Invalid type for parameter HyperParameters.gone, value: None, type: <class 'NoneType'>, valid types: <class 'str'>; give a string, or leave the entry out (null is not a value in a request)",
    ]);
  });

  it("tells integers from floats as Python does: 2.0 is not an integer, and says what to write", () => {
    const resource = (count: string) => JSON.stringify(request()).replace('"InstanceCount":1', `"InstanceCount":${count}`);
    expect(problemsOfText(resource("2.0"))).toEqual([
      "Invalid type for parameter ResourceConfig.InstanceCount, value: 2.0, type: <class 'float'>, valid types: <class 'int'>; write 2, without the decimal point",
    ]);
    expect(problemsOfText(resource('"2"'))).toEqual([
      "Invalid type for parameter ResourceConfig.InstanceCount, value: 2, type: <class 'str'>, valid types: <class 'int'>; write 2, without quotes",
    ]);
    expect(problemsOfText(resource("2.5"))).toEqual([
      "Invalid type for parameter ResourceConfig.InstanceCount, value: 2.5, type: <class 'float'>, valid types: <class 'int'>; give a whole number",
    ]);
    expect(problemsOfText(resource("1e3"))).toEqual([
      "Invalid type for parameter ResourceConfig.InstanceCount, value: 1000.0, type: <class 'float'>, valid types: <class 'int'>; write 1000, without the decimal point",
    ]);
    // Python takes True for an int; optml does not (the service would refuse it).
    expect(problemsOfText(resource("true"))).toEqual([
      "Invalid type for parameter ResourceConfig.InstanceCount, value: True, type: <class 'bool'>, valid types: <class 'int'>; give a whole number",
    ]);
    expect(problemsOfText(resource("2"))).toEqual([]);
  });

  it("names wrong booleans, lists, structures and maps", () => {
    expect(
      problems(
        request({
          EnableNetworkIsolation: "true",
          EnableManagedSpotTraining: 1,
          InputDataConfig: { ChannelName: "train" },
          AlgorithmSpecification: { TrainingInputMode: "File", ContainerEntrypoint: "python" },
          OutputDataConfig: [{ S3OutputPath: "s3://b/" }],
          StoppingCondition: "3600",
          Environment: [{ Name: "A", Value: "b" }],
          ExperimentConfig: null,
        }),
      ),
    ).toEqual([
      "Invalid type for parameter AlgorithmSpecification.ContainerEntrypoint, value: python, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>; put it in a list: [\"python\"]",
      "Invalid type for parameter InputDataConfig, value: {'ChannelName': 'train'}, type: <class 'dict'>, valid types: <class 'list'>, <class 'tuple'>; put the object in a list: [{...}]",
      "Invalid type for parameter OutputDataConfig, value: [{'S3OutputPath': 's3://b/'}], type: <class 'list'>, valid types: <class 'dict'>; give the object itself, not a list holding it",
      "Invalid type for parameter StoppingCondition, value: 3600, type: <class 'str'>, valid types: <class 'dict'>; give an object",
      "Invalid type for parameter Environment, value: [{'Name': 'A', 'Value': 'b'}], type: <class 'list'>, valid types: <class 'dict'>; write it as an object: {\"A\": \"b\"}",
      "Invalid type for parameter EnableNetworkIsolation, value: true, type: <class 'str'>, valid types: <class 'bool'>; write true, without quotes",
      "Invalid type for parameter EnableManagedSpotTraining, value: 1, type: <class 'int'>, valid types: <class 'bool'>; give true or false",
      "Invalid type for parameter ExperimentConfig, value: None, type: <class 'NoneType'>, valid types: <class 'dict'>; give an object, or leave the member out (null is not a value in a request)",
    ]);
  });

  it("names a missing required member at the top, in a structure and in a list element", () => {
    const { RoleArn: _, ...noRole } = request();
    expect(problems({ ...noRole, OutputDataConfig: {}, Tags: [{ Key: "a", Value: "b" }, { Key: "c" }] })).toEqual([
      'Missing required parameter in input: "RoleArn"; add it: a string, e.g. "arn:aws:iam::000000000000:role/SageMakerRole" (optml records the role and assumes nothing with it)',
      'Missing required parameter in OutputDataConfig: "S3OutputPath"; add it: a string, e.g. "file://./optml-out" or "s3://bucket/prefix"',
      'Missing required parameter in Tags[1]: "Value"; add it: a string',
    ]);
    expect(problems({ TrainingJobName: "x", RoleArn: "arn:aws:iam::123456789012:role/R" })).toEqual([
      'Missing required parameter in input: "OutputDataConfig"; add it: an object with S3OutputPath, e.g. {"S3OutputPath": "file://./optml-out"}',
    ]);
  });

  it("refuses lengths and values below the model's minimum", () => {
    expect(problems(request({ InputDataConfig: [], TrainingJobName: "", HyperParameters: { "": "x" }, RetryStrategy: { MaximumRetryAttempts: 0 } }))).toEqual([
      "Invalid length for parameter TrainingJobName, value: 0, valid min length: 1; give at least 1 character",
      "Invalid length for parameter InputDataConfig, value: 0, valid min length: 1; give at least 1 element, or leave InputDataConfig out",
      "Invalid value for parameter RetryStrategy.MaximumRetryAttempts, value: 0, valid min value: 1; give 1 or more",
    ]);
  });

  it("reports every problem at once, in the AWS CLI's order: missing, unknown, then each member in the request's order", () => {
    const { RoleArn: _, ...noRole } = request();
    const lines = problems({ Enviroment: {}, ...noRole, HyperParameters: { epochs: 2 }, StoppingCondition: { MaxRuntimeInSecond: 1 } });
    expect(lines.map((l) => l.split(",")[0])).toEqual([
      'Missing required parameter in input: "RoleArn"; add it: a string',
      'Unknown parameter in input: "Enviroment"',
      "Invalid type for parameter HyperParameters.epochs",
      'Unknown parameter in StoppingCondition: "MaxRuntimeInSecond"',
    ]);
  });
});

describe("parameter validation on other shapes (a small model)", () => {
  const model: ServiceModel = {
    botocoreVersion: "test",
    apiVersion: "test",
    operations: { Op: "Input" },
    shapes: {
      Input: { type: "structure", members: { Jobs: "JobMap", Rate: "Rate", When: "When", Pick: "Pick", Doc: "Doc" } },
      JobMap: { type: "map", key: "Name", value: "Job" },
      Name: { type: "string", min: 1 },
      Job: { type: "structure", required: ["Size"], members: { Size: "Size", Settings: "Settings" } },
      Size: { type: "integer", min: 1 },
      Settings: { type: "structure", members: { Level: "Size" } },
      Rate: { type: "double", min: 0.5 },
      When: { type: "timestamp" },
      Pick: { type: "structure", union: true, members: { A: "Name", B: "Name" } },
      Doc: { type: "structure", document: true, members: {} },
    },
  };
  const check = (value: Json) => problemsOfText(JSON.stringify(value), model, "Op");

  it("finds unknown members in a map's structure values, at any depth", () => {
    expect(check({ Jobs: { first: { Size: 1, Setings: {} }, second: { Size: 2, Settings: { Levle: 3 } } } })).toEqual([
      'Unknown parameter in Jobs.first: "Setings", must be one of: Size, Settings; did you mean "Settings"?',
      'Unknown parameter in Jobs.second.Settings: "Levle", must be one of: Level; did you mean "Level"?',
    ]);
    expect(check({ Jobs: { "": { Size: 0 } } })).toEqual([
      "Invalid length for parameter Jobs (key: ), value: 0, valid min length: 1; give at least 1 character",
      "Invalid value for parameter Jobs..Size, value: 0, valid min value: 1; give 1 or more",
    ]);
  });

  it("takes ints and floats for a double, numbers and dates for a timestamp; checks unions; takes any document", () => {
    expect(check({ Rate: 1, When: 1700000000, Pick: { A: "x" }, Doc: { anything: [1, { b: null }] } })).toEqual([]);
    expect(check({ When: "2024-01-31T00:00:00Z" })).toEqual([]);
    expect(check({ Rate: "0.7", When: true, Pick: { A: "x", B: "y" } })).toEqual([
      "Invalid type for parameter Rate, value: 0.7, type: <class 'str'>, valid types: <class 'float'>, <class 'decimal.Decimal'>, <class 'int'>; write 0.7, without quotes",
      "Invalid type for parameter When, value: True, type: <class 'bool'>, valid types: <class 'datetime.datetime'>, timestamp-string; give a time (seconds since the epoch, or an ISO 8601 date)",
      "Invalid number of parameters set for tagged union structure Pick. Can only set one of the following keys: A, B.",
    ]);
    expect(check({ Rate: 0.25, Pick: {} })).toEqual([
      "Invalid value for parameter Rate, value: 0.25, valid min value: 0.5; give 0.5 or more",
      "Must set one of the following keys for tagged unionstructure Pick: A, B.",
    ]);
  });
});

describe("the Python view of a request", () => {
  it("keeps floats written as floats, ints exact, and the file's key order", () => {
    const text = '{"b": 2.0, "10": 3, "a": [1.5, 12345678901234567890]}';
    const view = pythonView(JSON.parse(text), loads(text));
    expect(view).toEqual(new Map<string, unknown>([["b", 2], ["10", 3n], ["a", [1.5, 12345678901234567890n]]]));
    // A value changed after reading (an override) is what the request holds.
    expect(pythonView({ b: 3 }, loads('{"b": 2.0}'))).toEqual(new Map([["b", 3n]]));
  });

  it("measures edits case-insensitively, a swap of neighbours as one", () => {
    expect(editDistance("Enviornment", "Environment")).toBe(1);
    expect(editDistance("hyperparameters", "HyperParameters")).toBe(0);
    expect(editDistance("MaxRuntime", "MaxRuntimeInSeconds")).toBe(9);
  });
});
