/**
 * The request shapes of CreateTrainingJob, ListTrainingJobs and the tag operations, after
 * botocore's SageMaker service model (`sagemaker/2017-07-24/service-2.json`): lengths, ranges and
 * enums from the current model (botocore 1.43), patterns as AWS prints them in its messages (the
 * anchored forms of the earlier model, e.g. `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`), required members
 * as the API has required them for classic training jobs (TrainingJobName, AlgorithmSpecification,
 * RoleArn, OutputDataConfig, ResourceConfig, StoppingCondition).
 *
 * Not modelled (ignored when sent, as unknown members are): ServerlessJobConfig, MlflowConfig,
 * ModelPackageConfig, ResourceConfig.InstancePlacementConfig, S3DataSource.ModelAccessConfig and
 * HubAccessConfig.
 */
import { PROCESSING_INSTANCE_TYPES, TRAINING_INSTANCE_TYPES } from "./instance-types.js";
import {
  pattern,
  type ListShape,
  type MapShape,
  type NumberShape,
  type Pattern,
  type Shape,
  type StringShape,
  type StructureShape,
} from "./validate-model.js";

export const string = (min?: number, max?: number, p?: Pattern): StringShape => ({
  kind: "string",
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
  ...(p === undefined ? {} : { pattern: p }),
});
export const oneOf = (...values: string[]): StringShape => ({ kind: "string", enum: values });
export const integer = (min?: number, max?: number): NumberShape => ({
  kind: "integer",
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
export const long: NumberShape = { kind: "long" };
export const boolean: Shape = { kind: "boolean" };
export const timestamp: Shape = { kind: "timestamp" };
export const list = (member: Shape, min?: number, max?: number): ListShape => ({
  kind: "list",
  member,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
export const map = (key: StringShape, value: Shape, min?: number, max?: number): MapShape => ({
  kind: "map",
  key,
  value,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
export const structure = (members: Record<string, Shape>, required?: StructureShape["required"]): StructureShape => ({
  kind: "structure",
  members,
  ...(required === undefined ? {} : { required }),
});

// ---------------------------------------------------------------------------------------------
// Strings

export const ANY = pattern(".*");
export const NON_EMPTY = pattern(".+");

export const TRAINING_JOB_NAME = string(1, 63, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"));
export const ROLE_ARN = string(20, 2048, pattern("^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$"));

/**
 * Shape S3Uri. optml extension: a `file:///absolute/path` URI is accepted wherever AWS takes an S3
 * URI (channel S3Uri, OutputDataConfig.S3OutputPath, CheckpointConfig.S3Uri, and the Debugger,
 * Profiler and TensorBoard output paths). Messages still quote AWS's pattern.
 */
export const S3_URI = string(0, 1024, pattern("^(https|s3)://([^/]+)/?(.*)$", "(https|s3)://([^/]+)/?(.*)|file:///.*"));
export const KMS_KEY_ID = string(0, 2048, pattern("[a-zA-Z0-9:/_-]*"));
export const DIRECTORY_PATH = string(0, 4096, ANY);
export const ALGORITHM_IMAGE = string(0, 255, ANY);
const CONFIG_KEY = string(1, 256, ANY);
const CONFIG_VALUE = string(0, 256, ANY);
export const TRAINING_INPUT_MODE = oneOf("Pipe", "File", "FastFile");
export const TRAINING_INSTANCE_TYPE: StringShape = { kind: "string", enum: TRAINING_INSTANCE_TYPES };
export const PROCESSING_INSTANCE_TYPE: StringShape = { kind: "string", enum: PROCESSING_INSTANCE_TYPES };
export const EXPERIMENT_ENTITY_NAME = string(1, 120, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}"));
export const TAG_TEXT = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";
export const TRAINING_PLAN_ARN = string(
  50,
  2048,
  pattern("arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:training-plan/.*"),
);

// ---------------------------------------------------------------------------------------------
// CreateTrainingJob

export const ALGORITHM_NAME = string(
  1,
  170,
  pattern("(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$"),
);

export const OUTPUT_DATA_CONFIG = structure(
  { KmsKeyId: KMS_KEY_ID, S3OutputPath: S3_URI, CompressionType: oneOf("GZIP", "NONE") },
  ["S3OutputPath"],
);
export const CHECKPOINT_CONFIG = structure({ S3Uri: S3_URI, LocalPath: DIRECTORY_PATH }, ["S3Uri"]);
export const RETRY_STRATEGY = structure({ MaximumRetryAttempts: integer(1, 30) }, ["MaximumRetryAttempts"]);
export const HYPER_PARAMETERS = map(string(0, 256, ANY), string(0, 2500, ANY), 0, 100);

export const METRIC_DEFINITION = structure({ Name: string(1, 255, NON_EMPTY), Regex: string(1, 500, NON_EMPTY) }, [
  "Name",
  "Regex",
]);

const ALGORITHM_SPECIFICATION = structure(
  {
    TrainingImage: ALGORITHM_IMAGE,
    AlgorithmName: ALGORITHM_NAME,
    TrainingInputMode: TRAINING_INPUT_MODE,
    MetricDefinitions: list(METRIC_DEFINITION, 0, 40),
    EnableSageMakerMetricsTimeSeries: boolean,
    ContainerEntrypoint: list(string(0, 256, ANY), 1, 100),
    ContainerArguments: list(string(0, 256, ANY), 1, 100),
    TrainingImageConfig: structure(
      {
        TrainingRepositoryAccessMode: oneOf("Platform", "Vpc"),
        TrainingRepositoryAuthConfig: structure(
          {
            TrainingRepositoryCredentialsProviderArn: string(
              1,
              2048,
              // Java's \p{Alnum} is ASCII [A-Za-z0-9]; JavaScript has no such class.
              pattern(
                "arn:[\\p{Alnum}\\-]+:lambda:[\\p{Alnum}\\-]+:[0-9]{12}:function:.*",
                "arn:[A-Za-z0-9\\-]+:lambda:[A-Za-z0-9\\-]+:[0-9]{12}:function:.*",
              ),
            ),
          },
          ["TrainingRepositoryCredentialsProviderArn"],
        ),
      },
      ["TrainingRepositoryAccessMode"],
    ),
  },
  ["TrainingInputMode"],
);

const S3_DATA_SOURCE = structure(
  {
    S3DataType: oneOf("ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"),
    S3Uri: S3_URI,
    S3DataDistributionType: oneOf("FullyReplicated", "ShardedByS3Key"),
    AttributeNames: list(string(1, 256, NON_EMPTY), 0, 16),
    InstanceGroupNames: list(string(1, 64, NON_EMPTY), 0, 5),
  },
  ["S3DataType", "S3Uri"],
);

const FILE_SYSTEM_DATA_SOURCE = structure(
  {
    FileSystemId: string(11, 21, pattern("^(fs-[0-9a-f]{8,})$")),
    FileSystemAccessMode: oneOf("rw", "ro"),
    FileSystemType: oneOf("EFS", "FSxLustre"),
    DirectoryPath: DIRECTORY_PATH,
  },
  ["FileSystemId", "FileSystemAccessMode", "FileSystemType", "DirectoryPath"],
);

const DATASET_SOURCE = structure(
  {
    DatasetArn: string(
      0,
      2048,
      pattern(
        "(arn:[a-z0-9-\\.]{1,63}:sagemaker:\\w+(?:-\\w+)+:(\\d{12}|aws):hub-content\\/)[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}" +
          "\\/DataSet\\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}(\\/\\d{1,4}.\\d{1,4}.\\d{1,4})?",
      ),
    ),
  },
  ["DatasetArn"],
);

export const CHANNEL = structure(
  {
    ChannelName: string(1, 64, pattern("[A-Za-z0-9\\.\\-_]+")),
    DataSource: structure({
      S3DataSource: S3_DATA_SOURCE,
      FileSystemDataSource: FILE_SYSTEM_DATA_SOURCE,
      DatasetSource: DATASET_SOURCE,
    }),
    ContentType: string(0, 256, ANY),
    CompressionType: oneOf("None", "Gzip"),
    RecordWrapperType: oneOf("None", "RecordIO"),
    InputMode: TRAINING_INPUT_MODE,
    ShuffleConfig: structure({ Seed: long }, ["Seed"]),
  },
  ["ChannelName", "DataSource"],
);

const INSTANCE_GROUP = structure(
  {
    InstanceType: TRAINING_INSTANCE_TYPE,
    InstanceCount: integer(0),
    InstanceGroupName: string(1, 64, NON_EMPTY),
  },
  ["InstanceType", "InstanceCount", "InstanceGroupName"],
);

/**
 * A classic job names InstanceType and InstanceCount (at least 1, SPEC.md section 8); a
 * heterogeneous cluster names InstanceGroups instead. VolumeSizeInGB is optional in the current
 * API; when given it is at least 1.
 */
export const RESOURCE_CONFIG = structure(
  {
    InstanceType: TRAINING_INSTANCE_TYPE,
    InstanceCount: integer(1),
    VolumeSizeInGB: integer(1),
    VolumeKmsKeyId: KMS_KEY_ID,
    KeepAlivePeriodInSeconds: integer(0, 21600),
    InstanceGroups: list(INSTANCE_GROUP, 0, 5),
    TrainingPlanArn: TRAINING_PLAN_ARN,
  },
  (rc) => (rc.InstanceGroups === undefined || rc.InstanceGroups === null ? ["InstanceType", "InstanceCount"] : []),
);

export const VPC_CONFIG = structure(
  {
    SecurityGroupIds: list(string(0, 32, pattern("[-0-9a-zA-Z]+")), 1, 5),
    Subnets: list(string(0, 32, pattern("[-0-9a-zA-Z]+")), 1, 16),
  },
  ["SecurityGroupIds", "Subnets"],
);

export const STOPPING_CONDITION = structure({
  MaxRuntimeInSeconds: integer(1),
  MaxWaitTimeInSeconds: integer(1),
  MaxPendingTimeInSeconds: integer(7200, 2419200),
});

export const TAG = structure(
  { Key: string(1, 128, pattern(TAG_TEXT)), Value: string(0, 256, pattern(TAG_TEXT)) },
  ["Key", "Value"],
);

const RULE_CONFIGURATION = structure(
  {
    RuleConfigurationName: string(1, 256, ANY),
    LocalPath: DIRECTORY_PATH,
    S3OutputPath: S3_URI,
    RuleEvaluatorImage: ALGORITHM_IMAGE,
    InstanceType: PROCESSING_INSTANCE_TYPE,
    VolumeSizeInGB: integer(0),
    RuleParameters: map(CONFIG_KEY, CONFIG_VALUE, 0, 100),
  },
  ["RuleConfigurationName", "RuleEvaluatorImage"],
);

export const CREATE_TRAINING_JOB_REQUEST = structure(
  {
    TrainingJobName: TRAINING_JOB_NAME,
    HyperParameters: HYPER_PARAMETERS,
    AlgorithmSpecification: ALGORITHM_SPECIFICATION,
    RoleArn: ROLE_ARN,
    InputDataConfig: list(CHANNEL, 1, 20),
    OutputDataConfig: OUTPUT_DATA_CONFIG,
    ResourceConfig: RESOURCE_CONFIG,
    VpcConfig: VPC_CONFIG,
    StoppingCondition: STOPPING_CONDITION,
    Tags: list(TAG, 0, 50),
    EnableNetworkIsolation: boolean,
    EnableInterContainerTrafficEncryption: boolean,
    EnableManagedSpotTraining: boolean,
    CheckpointConfig: CHECKPOINT_CONFIG,
    DebugHookConfig: structure(
      {
        LocalPath: DIRECTORY_PATH,
        S3OutputPath: S3_URI,
        HookParameters: map(CONFIG_KEY, CONFIG_VALUE, 0, 20),
        CollectionConfigurations: list(
          structure({
            CollectionName: string(1, 256, ANY),
            CollectionParameters: map(CONFIG_KEY, CONFIG_VALUE, 0, 20),
          }),
          0,
          20,
        ),
      },
      ["S3OutputPath"],
    ),
    DebugRuleConfigurations: list(RULE_CONFIGURATION, 0, 20),
    TensorBoardOutputConfig: structure({ LocalPath: DIRECTORY_PATH, S3OutputPath: S3_URI }, ["S3OutputPath"]),
    ExperimentConfig: structure({
      ExperimentName: EXPERIMENT_ENTITY_NAME,
      TrialName: EXPERIMENT_ENTITY_NAME,
      TrialComponentDisplayName: EXPERIMENT_ENTITY_NAME,
      RunName: EXPERIMENT_ENTITY_NAME,
    }),
    ProfilerConfig: structure({
      S3OutputPath: S3_URI,
      ProfilingIntervalInMilliseconds: long,
      ProfilingParameters: map(CONFIG_KEY, CONFIG_VALUE, 0, 20),
      DisableProfiler: boolean,
    }),
    ProfilerRuleConfigurations: list(RULE_CONFIGURATION, 0, 20),
    Environment: map(string(0, 512, pattern("[a-zA-Z_][a-zA-Z0-9_]*")), string(0, 512, pattern("[\\S\\s]*")), 0, 100),
    RetryStrategy: RETRY_STRATEGY,
    RemoteDebugConfig: structure({ EnableRemoteDebug: boolean }),
    InfraCheckConfig: structure({ EnableInfraCheck: boolean }),
    SessionChainingConfig: structure({ EnableSessionTagChaining: boolean }),
  },
  ["TrainingJobName", "AlgorithmSpecification", "RoleArn", "OutputDataConfig", "ResourceConfig", "StoppingCondition"],
);

// ---------------------------------------------------------------------------------------------
// ListTrainingJobs

export const TRAINING_JOB_STATUSES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting"];

export const LIST_TRAINING_JOBS_REQUEST = structure({
  NextToken: string(0, 8192, ANY),
  MaxResults: integer(1, 100),
  CreationTimeAfter: timestamp,
  CreationTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  LastModifiedTimeBefore: timestamp,
  NameContains: string(0, 63, pattern("[a-zA-Z0-9\\-]+")),
  StatusEquals: oneOf(...TRAINING_JOB_STATUSES),
  SortBy: oneOf("Name", "CreationTime", "Status"),
  SortOrder: oneOf("Ascending", "Descending"),
  WarmPoolStatusEquals: oneOf("Available", "Terminated", "Reused", "InUse"),
  TrainingPlanArnEquals: TRAINING_PLAN_ARN,
});

/** DescribeTrainingJob, StopTrainingJob and DeleteTrainingJob take only the job's name. */
export const TRAINING_JOB_NAME_REQUEST = structure({ TrainingJobName: TRAINING_JOB_NAME }, ["TrainingJobName"]);

// ---------------------------------------------------------------------------------------------
// AddTags, ListTags, DeleteTags (any resource)

const RESOURCE_ARN = string(0, 256, pattern("arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"));

export const ADD_TAGS_REQUEST = structure({ ResourceArn: RESOURCE_ARN, Tags: list(TAG, 0, 50) }, ["ResourceArn", "Tags"]);

export const LIST_TAGS_REQUEST = structure({ ResourceArn: RESOURCE_ARN, NextToken: string(0, 8192, ANY), MaxResults: integer(50) }, [
  "ResourceArn",
]);

export const DELETE_TAGS_REQUEST = structure({ ResourceArn: RESOURCE_ARN, TagKeys: list(string(1, 128, pattern(TAG_TEXT)), 1, 50) }, [
  "ResourceArn",
  "TagKeys",
]);
