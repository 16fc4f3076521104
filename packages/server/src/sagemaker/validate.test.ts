import { describe, expect, it } from "vitest";
import { ApiError } from "../protocol/errors.js";
import { TRAINING_INSTANCE_TYPES } from "./instance-types.js";
import { validateCreateTrainingJob, validateListTrainingJobs } from "./validate.js";

type Json = Record<string, unknown>;

/** CreateTrainingJob as the SageMaker Python SDK (v2) sends it for a PyTorch script-mode job. */
function pythonSdkRequest(): Json {
  return {
    AlgorithmSpecification: {
      TrainingInputMode: "File",
      TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-cpu-py310",
      EnableSageMakerMetricsTimeSeries: true,
      MetricDefinitions: [{ Name: "train:loss", Regex: "loss: ([0-9\\.]+)" }],
    },
    OutputDataConfig: { S3OutputPath: "s3://sagemaker-us-east-1-123456789012/" },
    TrainingJobName: "pytorch-training-2024-01-02-03-04-05-678",
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: "ml.m5.xlarge" },
    RoleArn: "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000",
    InputDataConfig: [
      {
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: "s3://sagemaker-us-east-1-123456789012/data/train",
            S3DataDistributionType: "FullyReplicated",
          },
        },
        ChannelName: "training",
      },
    ],
    HyperParameters: {
      epochs: "10",
      "learning-rate": "0.01",
      sagemaker_submit_directory:
        '"s3://sagemaker-us-east-1-123456789012/pytorch-training-2024-01-02-03-04-05-678/source/sourcedir.tar.gz"',
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: "20",
      sagemaker_job_name: '"pytorch-training-2024-01-02-03-04-05-678"',
      sagemaker_region: '"us-east-1"',
    },
    Tags: [{ Key: "project", Value: "optml" }],
    DebugHookConfig: { S3OutputPath: "s3://sagemaker-us-east-1-123456789012/", CollectionConfigurations: [] },
    ProfilerConfig: { S3OutputPath: "s3://sagemaker-us-east-1-123456789012/", DisableProfiler: false },
    ProfilerRuleConfigurations: [
      {
        RuleConfigurationName: "ProfilerReport-1704164645",
        RuleEvaluatorImage: "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest",
        RuleParameters: { rule_to_invoke: "ProfilerReport" },
      },
    ],
    Environment: { SM_LOG_LEVEL: "20", MULTI_LINE: "a\nb" },
    EnableNetworkIsolation: false,
    EnableInterContainerTrafficEncryption: false,
    EnableManagedSpotTraining: false,
    RetryStrategy: { MaximumRetryAttempts: 2 },
    ExperimentConfig: { ExperimentName: "exp-1", TrialName: "trial-1", RunName: "run-1" },
    RemoteDebugConfig: { EnableRemoteDebug: false },
  };
}

/** The least an AWS CLI user must send. */
function minimalRequest(): Json {
  return {
    TrainingJobName: "job",
    AlgorithmSpecification: { TrainingImage: "image:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Role",
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

/** Deep copy, then apply `edit` to the copy. */
function withEdit(base: Json, edit: (req: any) => void): Json {
  const copy = structuredClone(base) as any;
  edit(copy);
  return copy as Json;
}

function errorOf(fn: () => void): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

const createError = (req: Json) => errorOf(() => validateCreateTrainingJob(req));
const listError = (req: Json) => errorOf(() => validateListTrainingJobs(req));

function expectValidation(req: Json, message: string): void {
  const error = createError(req);
  expect(error.code).toBe("ValidationException");
  expect(error.statusCode).toBe(400);
  expect(error.message).toBe(message);
}

const NAME_PATTERN = "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
const S3_PATTERN = "Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$";

describe("validateCreateTrainingJob: valid requests", () => {
  it("accepts the request the SageMaker Python SDK sends", () => {
    expect(() => validateCreateTrainingJob(pythonSdkRequest())).not.toThrow();
  });

  it("accepts the minimal request", () => {
    expect(() => validateCreateTrainingJob(minimalRequest())).not.toThrow();
  });

  it("accepts file:// URIs wherever an S3 URI goes (optml extension)", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      r.InputDataConfig[0].DataSource.S3DataSource.S3Uri = "file:///data/train";
      r.OutputDataConfig.S3OutputPath = "file:///tmp/optml/output";
      r.CheckpointConfig = { S3Uri: "file:///tmp/optml/checkpoints", LocalPath: "/opt/ml/checkpoints/" };
      r.DebugHookConfig.S3OutputPath = "file:///tmp/debug";
      r.ProfilerConfig.S3OutputPath = "file:///tmp/profiler";
      r.TensorBoardOutputConfig = { S3OutputPath: "file:///tmp/tb" };
      r.HyperParameters.sagemaker_submit_directory = '"file:///home/me/code"';
    });
    expect(() => validateCreateTrainingJob(req)).not.toThrow();
  });

  it("takes JSON null as not set and ignores members it does not know", () => {
    const req = withEdit(minimalRequest(), (r) => {
      r.VpcConfig = null;
      r.Tags = null;
      r.SomeFutureMember = { anything: [1, 2, 3] };
      r.ResourceConfig.SomeFutureFlag = true;
    });
    expect(() => validateCreateTrainingJob(req)).not.toThrow();
  });

  it("accepts InstanceGroups in place of InstanceType and InstanceCount", () => {
    const req = withEdit(minimalRequest(), (r) => {
      r.ResourceConfig = {
        VolumeSizeInGB: 30,
        InstanceGroups: [{ InstanceGroupName: "g1", InstanceType: "ml.c5.xlarge", InstanceCount: 2 }],
      };
    });
    expect(() => validateCreateTrainingJob(req)).not.toThrow();
  });

  it("accepts every instance type of the model and managed spot training done right", () => {
    expect(TRAINING_INSTANCE_TYPES).toContain("ml.g5.xlarge");
    expect(TRAINING_INSTANCE_TYPES.length).toBeGreaterThan(100);
    const req = withEdit(minimalRequest(), (r) => {
      r.ResourceConfig.InstanceType = "ml.p4d.24xlarge";
      r.EnableManagedSpotTraining = true;
      r.StoppingCondition = { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 };
      r.CheckpointConfig = { S3Uri: "s3://bucket/ckpt" };
    });
    expect(() => validateCreateTrainingJob(req)).not.toThrow();
  });
});

describe("validateCreateTrainingJob: constraint violations, in AWS's words", () => {
  it("reports one violation", () => {
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.TrainingJobName = "bad_name")),
      `1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: ${NAME_PATTERN}`,
    );
  });

  // Both names and both messages are ones AWS returned (zenml-io/zenml issues 1502 and 1517).
  it("reports pattern and length for a name too long for both, as AWS did", () => {
    const name = "basic-zenml-project-pipeline-2023-04-24-12-22-59-886794-step-show-sagemaker-s3-link";
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.TrainingJobName = name)),
      `2 validation errors detected: Value '${name}' at 'trainingJobName' failed to satisfy constraint: ${NAME_PATTERN}; ` +
        `Value '${name}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63`,
    );
  });

  it("reports only the length when the pattern still holds, as AWS did", () => {
    const name = "generic-training-pipeline-2023-04-12-15-36-41-124330-model-trainer";
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.TrainingJobName = name)),
      `1 validation error detected: Value '${name}' at 'trainingJobName' failed to satisfy constraint: ` +
        "Member must have length less than or equal to 63",
    );
  });

  it("reports every missing required member", () => {
    expectValidation(
      {},
      "6 validation errors detected: " +
        [
          "trainingJobName",
          "algorithmSpecification",
          "roleArn",
          "outputDataConfig",
          "resourceConfig",
          "stoppingCondition",
        ]
          .map((p) => `Value null at '${p}' failed to satisfy constraint: Member must not be null`)
          .join("; "),
    );
  });

  it("lists several violations in one message, in the model's member order", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      delete r.RoleArn;
      r.AlgorithmSpecification.TrainingInputMode = "Stream";
      r.InputDataConfig.push({ ChannelName: "bad channel!", DataSource: { S3DataSource: { S3DataType: "S3Prefix" } } });
      r.OutputDataConfig.CompressionType = "ZIP";
      r.ResourceConfig.InstanceCount = 0;
      r.ResourceConfig.VolumeSizeInGB = 0;
      r.StoppingCondition.MaxRuntimeInSeconds = 0;
      r.RetryStrategy.MaximumRetryAttempts = 31;
    });
    expectValidation(
      req,
      "9 validation errors detected: " +
        [
          "Value 'Stream' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: " +
            "Member must satisfy enum value set: [Pipe, File, FastFile]",
          "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
          "Value 'bad channel!' at 'inputDataConfig.2.member.channelName' failed to satisfy constraint: " +
            "Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+",
          "Value null at 'inputDataConfig.2.member.dataSource.s3DataSource.s3Uri' failed to satisfy constraint: " +
            "Member must not be null",
          "Value 'ZIP' at 'outputDataConfig.compressionType' failed to satisfy constraint: " +
            "Member must satisfy enum value set: [GZIP, NONE]",
          "Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: " +
            "Member must have value greater than or equal to 1",
          "Value '0' at 'resourceConfig.volumeSizeInGB' failed to satisfy constraint: " +
            "Member must have value greater than or equal to 1",
          "Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: " +
            "Member must have value greater than or equal to 1",
          "Value '31' at 'retryStrategy.maximumRetryAttempts' failed to satisfy constraint: " +
            "Member must have value less than or equal to 30",
        ].join("; "),
    );
  });

  // The message AWS gave for a hyperparameter value over 2500 characters
  // (aws-samples/amazon-sagemaker-pytorch-detectron2 issue 10): the map printed as Java prints it.
  it("reports a hyperparameter value that is too long at the map, listing the value's constraints", () => {
    const long = "x".repeat(2501);
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.HyperParameters = { a: "1", b: long })),
      `1 validation error detected: Value '{a=1, b=${long}}' at 'hyperParameters' failed to satisfy constraint: ` +
        "Map value must satisfy constraint: [Member must have length less than or equal to 2500, " +
        "Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: .*]",
    );
  });

  it("rejects a hyperparameter value with a line break, as the '.*' pattern does", () => {
    const error = createError(withEdit(minimalRequest(), (r) => (r.HyperParameters = { a: "line\nbreak" })));
    expect(error.message).toContain("at 'hyperParameters' failed to satisfy constraint: Map value must satisfy");
  });

  it("counts map entries and list members", () => {
    const hyperParameters = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"]));
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const error = createError(
      withEdit(minimalRequest(), (r) => {
        r.HyperParameters = hyperParameters;
        r.Tags = tags;
        r.InputDataConfig = [];
      }),
    );
    expect(error.message).toMatch(/^3 validation errors detected: /);
    expect(error.message).toContain(
      "at 'hyperParameters' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
    expect(error.message).toContain(
      "Value '[]' at 'inputDataConfig' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(error.message).toContain(
      "Value '[{Key=k0, Value=v}, {Key=k1, Value=v}, ",
    );
    expect(error.message).toContain("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
  });

  it("checks Environment keys and values", () => {
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.Environment = { "1BAD": "x", OK: "y".repeat(513) })),
      `2 validation errors detected: Value '{1BAD=x, OK=${"y".repeat(513)}}' at 'environment' failed to satisfy constraint: ` +
        "Map key must satisfy constraint: [Member must have length less than or equal to 512, " +
        "Member must have length greater than or equal to 0, " +
        "Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]; " +
        `Value '{1BAD=x, OK=${"y".repeat(513)}}' at 'environment' failed to satisfy constraint: ` +
        "Map value must satisfy constraint: [Member must have length less than or equal to 512, " +
        "Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: [\\S\\s]*]",
    );
  });

  it("checks the elements of a list of strings as one constraint on the list", () => {
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.VpcConfig = { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1", "bad subnet"] })),
      "1 validation error detected: Value '[subnet-1, bad subnet]' at 'vpcConfig.subnets' failed to satisfy constraint: " +
        "Member must satisfy constraint: [Member must have length less than or equal to 32, " +
        "Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: [-0-9a-zA-Z]+]",
    );
  });

  it("checks S3 URIs, instance types, role ARNs, metric definitions and checkpoint configs", () => {
    const error = createError(
      withEdit(pythonSdkRequest(), (r) => {
        r.InputDataConfig[0].DataSource.S3DataSource.S3Uri = "file://relative/path";
        r.OutputDataConfig.S3OutputPath = "ftp://host/path";
        r.ResourceConfig.InstanceType = "ml.t2.medium";
        r.RoleArn = "arn:aws:iam::123:role/x";
        r.AlgorithmSpecification.MetricDefinitions = [{ Name: "", Regex: "x" }];
        r.CheckpointConfig = { LocalPath: "/opt/ml/checkpoints" };
      }),
    );
    const violations = error.message.replace(/^\d+ validation errors detected: /, "").split("; ");
    expect(violations).toEqual([
      "Value '' at 'algorithmSpecification.metricDefinitions.1.member.name' failed to satisfy constraint: " +
        "Member must have length greater than or equal to 1",
      "Value '' at 'algorithmSpecification.metricDefinitions.1.member.name' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: .+",
      "Value 'arn:aws:iam::123:role/x' at 'roleArn' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
      `Value 'file://relative/path' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3Uri' failed to satisfy constraint: ${S3_PATTERN}`,
      `Value 'ftp://host/path' at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: ${S3_PATTERN}`,
      "Value 'ml.t2.medium' at 'resourceConfig.instanceType' failed to satisfy constraint: " +
        `Member must satisfy enum value set: [${TRAINING_INSTANCE_TYPES.join(", ")}]`,
      "Value null at 'checkpointConfig.s3Uri' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it("requires InstanceType and InstanceCount of a classic job", () => {
    expectValidation(
      withEdit(minimalRequest(), (r) => (r.ResourceConfig = { VolumeSizeInGB: 10 })),
      "2 validation errors detected: " +
        "Value null at 'resourceConfig.instanceType' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must not be null",
    );
  });

  it("checks instance groups as list members", () => {
    expectValidation(
      withEdit(minimalRequest(), (r) => {
        r.ResourceConfig = { InstanceGroups: [{ InstanceGroupName: "a", InstanceType: "ml.c5.xlarge" }] };
      }),
      "1 validation error detected: Value null at 'resourceConfig.instanceGroups.1.member.instanceCount' " +
        "failed to satisfy constraint: Member must not be null",
    );
  });
});

describe("validateCreateTrainingJob: JSON types", () => {
  it.each([
    ["a number as a string", (r: any) => (r.ResourceConfig.InstanceCount = "1"), "STRING_VALUE can not be converted to an Integer"],
    ["a fraction as an integer", (r: any) => (r.ResourceConfig.InstanceCount = 1.5), "NUMBER_VALUE can not be converted to an Integer"],
    ["an integer past 32 bits", (r: any) => (r.StoppingCondition.MaxRuntimeInSeconds = 2 ** 31), "NUMBER_VALUE can not be converted to an Integer"],
    ["a hyperparameter as a number", (r: any) => (r.HyperParameters = { epochs: 10 }), "NUMBER_VALUE can not be converted to a String"],
    ["a boolean as a string", (r: any) => (r.EnableNetworkIsolation = "true"), "STRING_VALUE can not be converted to a Boolean"],
    ["a string as a boolean", (r: any) => (r.TrainingJobName = true), "BOOLEAN_VALUE can not be converted to a String"],
    ["a list as an object", (r: any) => (r.InputDataConfig = { ChannelName: "x" }), "Start of structure or map found where not expected."],
    ["an object as a list", (r: any) => (r.AlgorithmSpecification = []), "Start of list found where not expected"],
    ["a structure as a string", (r: any) => (r.OutputDataConfig = "s3://bucket"), "STRING_VALUE can not be converted to a Structure"],
    ["a null list member", (r: any) => (r.Tags = [null]), "NULL_VALUE can not be converted to a List member"],
  ])("refuses %s with SerializationException", (_label, edit, message) => {
    const error = createError(withEdit(minimalRequest(), edit));
    expect(error.code).toBe("SerializationException");
    expect(error.message).toBe(message);
  });

  it("reports a type error before any constraint violation", () => {
    const error = createError(
      withEdit(minimalRequest(), (r) => {
        r.TrainingJobName = "bad_name";
        r.ResourceConfig.VolumeSizeInGB = "30";
      }),
    );
    expect(error.code).toBe("SerializationException");
  });
});

describe("validateCreateTrainingJob: rules between members", () => {
  const problem = (edit: (r: any) => void) => createError(withEdit(minimalRequest(), edit));

  it("needs MaxWaitTimeInSeconds >= MaxRuntimeInSeconds for managed spot training, and only then", () => {
    for (const stopping of [{ MaxRuntimeInSeconds: 3600 }, { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 3599 }]) {
      const error = problem((r) => {
        r.EnableManagedSpotTraining = true;
        r.StoppingCondition = stopping;
      });
      expect(error.code).toBe("ValidationException");
      expect(error.message).toBe(
        "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds",
      );
    }
    const defaultRuntime = problem((r) => {
      r.EnableManagedSpotTraining = true;
      r.StoppingCondition = { MaxWaitTimeInSeconds: 86399 };
    });
    expect(defaultRuntime.message).toContain("Invalid MaxWaitTimeInSeconds");
    expect(problem((r) => (r.StoppingCondition.MaxWaitTimeInSeconds = 7200)).message).toContain(
      "only for managed spot training",
    );
  });

  it("accepts Gzip channels only in Pipe mode", () => {
    const channel = { ChannelName: "train", CompressionType: "Gzip", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/k" } } };
    expect(problem((r) => (r.InputDataConfig = [channel])).message).toBe(
      "CompressionType Gzip is supported only in Pipe input mode; channel 'train' uses File mode.",
    );
    expect(() =>
      validateCreateTrainingJob(withEdit(minimalRequest(), (r) => (r.InputDataConfig = [{ ...channel, InputMode: "Pipe" }]))),
    ).not.toThrow();
  });

  it("refuses duplicate channel names and channels without exactly one data source", () => {
    const source = { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/k" } };
    expect(
      problem((r) => (r.InputDataConfig = [{ ChannelName: "a", DataSource: source }, { ChannelName: "a", DataSource: source }])).message,
    ).toBe("Channel names must be unique; 'a' is used more than once.");
    expect(problem((r) => (r.InputDataConfig = [{ ChannelName: "a", DataSource: {} }])).message).toContain(
      "must specify exactly one of S3DataSource, FileSystemDataSource or DatasetSource",
    );
  });

  it("needs exactly one of TrainingImage and AlgorithmName, and not InstanceGroups with InstanceType", () => {
    expect(problem((r) => delete r.AlgorithmSpecification.TrainingImage).message).toContain("exactly one of TrainingImage or AlgorithmName");
    expect(problem((r) => (r.AlgorithmSpecification.AlgorithmName = "my-algo")).message).toContain("exactly one of TrainingImage");
    expect(
      problem((r) => (r.ResourceConfig.InstanceGroups = [{ InstanceGroupName: "g", InstanceType: "ml.m5.large", InstanceCount: 1 }])).message,
    ).toContain("either InstanceGroups or InstanceType and InstanceCount");
  });
});

describe("validateCreateTrainingJob: what AWS's model allows but a local job cannot take", () => {
  const source = { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/k" } };

  it("refuses the channel names '.' and '..', naming the member", () => {
    for (const [name, at] of [[".", 1], ["..", 2]] as const) {
      const channels = [{ ChannelName: "train", DataSource: source }];
      channels.splice(at - 1, 0, { ChannelName: name, DataSource: source });
      expectValidation(
        withEdit(minimalRequest(), (r) => (r.InputDataConfig = channels)),
        `1 validation error detected: Value '${name}' at 'inputDataConfig.${at}.member.channelName' failed to satisfy constraint: ` +
          "Member must not be '.' or '..' (a channel is the directory /opt/ml/input/data/<ChannelName>)",
      );
    }
    for (const name of ["...", ".hidden", "a..b"]) {
      expect(() =>
        validateCreateTrainingJob(withEdit(minimalRequest(), (r) => (r.InputDataConfig = [{ ChannelName: name, DataSource: source }]))),
      ).not.toThrow();
    }
  });

  it("refuses a NUL character in an Environment value, a hyperparameter's name or value, naming each", () => {
    const error = createError(
      withEdit(minimalRequest(), (r) => {
        r.HyperParameters = { "lr\u0000x": "1", epochs: "3\u0000rm" };
        r.Environment = { OK: "fine", BAD: "a\u0000b" };
      }),
    );
    expect(error.message).toMatch(/^3 validation errors detected: /);
    expect(error.message).toContain("Value 'lr\u0000x' at 'hyperParameters' failed to satisfy constraint: Map key must not contain the NUL character (U+0000)");
    expect(error.message).toContain("Value '3\u0000rm' at 'hyperParameters.epochs.member' failed to satisfy constraint: Member must not contain the NUL character (U+0000)");
    expect(error.message).toContain("Value 'a\u0000b' at 'environment.BAD.member' failed to satisfy constraint: Member must not contain the NUL character (U+0000)");
  });
});

describe("validateListTrainingJobs", () => {
  it("accepts every filter, sort and page member, timestamps as epoch seconds", () => {
    const req = {
      NextToken: "abc",
      MaxResults: 100,
      CreationTimeAfter: 1_700_000_000,
      CreationTimeBefore: 1_700_000_000.5,
      LastModifiedTimeAfter: 0,
      LastModifiedTimeBefore: 1_800_000_000,
      NameContains: "my-job-1",
      StatusEquals: "Completed",
      SortBy: "CreationTime",
      SortOrder: "Descending",
    };
    expect(() => validateListTrainingJobs(req)).not.toThrow();
    expect(() => validateListTrainingJobs({})).not.toThrow();
  });

  it("reports every violation in one message", () => {
    const error = listError({
      NextToken: "t".repeat(8193),
      MaxResults: 0,
      NameContains: "bad_name",
      StatusEquals: "Running",
      SortBy: "Size",
      SortOrder: "Up",
    });
    expect(error.code).toBe("ValidationException");
    expect(error.message).toBe(
      "6 validation errors detected: " +
        [
          `Value '${"t".repeat(8193)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 8192`,
          "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
          "Value 'bad_name' at 'nameContains' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\\-]+",
          "Value 'Running' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: " +
            "[InProgress, Completed, Failed, Stopping, Stopped, Deleting]",
          "Value 'Size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status]",
          "Value 'Up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [Ascending, Descending]",
        ].join("; "),
    );
  });

  it("caps MaxResults at 100 and NameContains at 63 characters", () => {
    expect(listError({ MaxResults: 101 }).message).toBe(
      "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(listError({ NameContains: "a".repeat(64) }).message).toContain("Member must have length less than or equal to 63");
  });

  it("refuses timestamps that are not numbers with SerializationException", () => {
    expect(listError({ CreationTimeAfter: "2024-01-01T00:00:00Z" })).toMatchObject({
      code: "SerializationException",
      message: "STRING_VALUE can not be converted to a Timestamp",
    });
    expect(listError({ MaxResults: "10" }).code).toBe("SerializationException");
  });
});
