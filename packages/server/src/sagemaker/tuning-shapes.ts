/**
 * The request shapes of the hyperparameter tuning operations (CreateHyperParameterTuningJob,
 * Describe/Stop/DeleteHyperParameterTuningJob, ListHyperParameterTuningJobs and
 * ListTrainingJobsForHyperParameterTuningJob), after botocore's SageMaker service model, in the
 * manner of validate-shapes.ts: lengths, ranges and enums from the current model, patterns as AWS
 * prints them (the anchored forms, e.g. `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`). The members a
 * training definition shares with CreateTrainingJob use the same shapes (and the same optml
 * extension: `file:///` URIs wherever an S3 URI goes).
 *
 * Not modelled (ignored when sent, as unknown members are): ResourceConfig.InstancePlacementConfig,
 * S3DataSource.ModelAccessConfig and HubAccessConfig, as for CreateTrainingJob.
 */
import { pattern, type Shape } from "./validate-model.js";
import {
  ALGORITHM_IMAGE,
  ALGORITHM_NAME,
  ANY,
  boolean,
  CHANNEL,
  CHECKPOINT_CONFIG,
  HYPER_PARAMETERS,
  integer,
  KMS_KEY_ID,
  list,
  map,
  METRIC_DEFINITION,
  NON_EMPTY,
  oneOf,
  OUTPUT_DATA_CONFIG,
  RESOURCE_CONFIG,
  RETRY_STRATEGY,
  ROLE_ARN,
  STOPPING_CONDITION,
  string,
  structure,
  TAG,
  timestamp,
  TRAINING_INPUT_MODE,
  TRAINING_INSTANCE_TYPE,
  TRAINING_JOB_STATUSES,
  VPC_CONFIG,
} from "./validate-shapes.js";

const float: Shape = { kind: "float" };

export const TUNING_JOB_NAME = string(1, 32, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"));
const DEFINITION_NAME = string(1, 64, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}"));
const PARAMETER_KEY = string(0, 256, ANY);
const PARAMETER_VALUE = string(0, 256, ANY);

export const TUNING_STRATEGIES = ["Bayesian", "Random", "Hyperband", "Grid"] as const;
export const TUNING_JOB_STATUSES = ["Completed", "InProgress", "Failed", "Stopped", "Stopping", "Deleting", "DeleteFailed"];

// ---------------------------------------------------------------------------------------------
// HyperParameterTuningJobConfig

const NUMERIC_RANGE = structure(
  {
    Name: PARAMETER_KEY,
    MinValue: PARAMETER_VALUE,
    MaxValue: PARAMETER_VALUE,
    ScalingType: oneOf("Auto", "Linear", "Logarithmic", "ReverseLogarithmic"),
  },
  ["Name", "MinValue", "MaxValue"],
);

export const PARAMETER_RANGES = structure({
  IntegerParameterRanges: list(NUMERIC_RANGE, 0, 30),
  ContinuousParameterRanges: list(NUMERIC_RANGE, 0, 30),
  CategoricalParameterRanges: list(structure({ Name: PARAMETER_KEY, Values: list(PARAMETER_VALUE, 1, 30) }, ["Name", "Values"]), 0, 30),
  AutoParameters: list(structure({ Name: PARAMETER_KEY, ValueHint: PARAMETER_VALUE }, ["Name", "ValueHint"]), 0, 100),
});

const OBJECTIVE = structure({ Type: oneOf("Maximize", "Minimize"), MetricName: string(1, 255, NON_EMPTY) }, ["Type", "MetricName"]);

const TUNING_JOB_CONFIG = structure(
  {
    Strategy: oneOf(...TUNING_STRATEGIES),
    StrategyConfig: structure({ HyperbandStrategyConfig: structure({ MinResource: integer(1), MaxResource: integer(1) }) }),
    HyperParameterTuningJobObjective: OBJECTIVE,
    ResourceLimits: structure(
      { MaxNumberOfTrainingJobs: integer(1), MaxParallelTrainingJobs: integer(1), MaxRuntimeInSeconds: integer(120, 15768000) },
      ["MaxParallelTrainingJobs"],
    ),
    ParameterRanges: PARAMETER_RANGES,
    TrainingJobEarlyStoppingType: oneOf("Off", "Auto"),
    TuningJobCompletionCriteria: structure({
      TargetObjectiveMetricValue: float,
      BestObjectiveNotImproving: structure({ MaxNumberOfTrainingJobsNotImproving: integer(3) }),
      ConvergenceDetected: structure({ CompleteOnConvergence: oneOf("Disabled", "Enabled") }),
    }),
    RandomSeed: integer(0),
  },
  ["Strategy", "ResourceLimits"],
);

// ---------------------------------------------------------------------------------------------
// HyperParameterTrainingJobDefinition

const TUNING_RESOURCE_CONFIG = structure({
  InstanceType: TRAINING_INSTANCE_TYPE,
  InstanceCount: integer(0),
  VolumeSizeInGB: integer(0),
  VolumeKmsKeyId: KMS_KEY_ID,
  AllocationStrategy: oneOf("Prioritized"),
  InstanceConfigs: list(
    structure({ InstanceType: TRAINING_INSTANCE_TYPE, InstanceCount: integer(0), VolumeSizeInGB: integer(1) }, [
      "InstanceType",
      "InstanceCount",
      "VolumeSizeInGB",
    ]),
    1,
    6,
  ),
});

const TRAINING_JOB_DEFINITION = structure(
  {
    DefinitionName: DEFINITION_NAME,
    TuningObjective: OBJECTIVE,
    HyperParameterRanges: PARAMETER_RANGES,
    StaticHyperParameters: HYPER_PARAMETERS,
    AlgorithmSpecification: structure(
      {
        TrainingImage: ALGORITHM_IMAGE,
        TrainingInputMode: TRAINING_INPUT_MODE,
        AlgorithmName: ALGORITHM_NAME,
        MetricDefinitions: list(METRIC_DEFINITION, 0, 40),
      },
      ["TrainingInputMode"],
    ),
    RoleArn: ROLE_ARN,
    InputDataConfig: list(CHANNEL, 1, 20),
    VpcConfig: VPC_CONFIG,
    OutputDataConfig: OUTPUT_DATA_CONFIG,
    ResourceConfig: RESOURCE_CONFIG,
    HyperParameterTuningResourceConfig: TUNING_RESOURCE_CONFIG,
    StoppingCondition: STOPPING_CONDITION,
    EnableNetworkIsolation: boolean,
    EnableInterContainerTrafficEncryption: boolean,
    EnableManagedSpotTraining: boolean,
    CheckpointConfig: CHECKPOINT_CONFIG,
    RetryStrategy: RETRY_STRATEGY,
    Environment: map(string(0, 512, pattern("[a-zA-Z_][a-zA-Z0-9_]*")), string(0, 512, pattern("[\\S\\s]*")), 0, 48),
  },
  ["AlgorithmSpecification", "RoleArn", "OutputDataConfig", "StoppingCondition"],
);

// ---------------------------------------------------------------------------------------------
// The operations

export const CREATE_TUNING_JOB_REQUEST = structure(
  {
    HyperParameterTuningJobName: TUNING_JOB_NAME,
    HyperParameterTuningJobConfig: TUNING_JOB_CONFIG,
    TrainingJobDefinition: TRAINING_JOB_DEFINITION,
    TrainingJobDefinitions: list(TRAINING_JOB_DEFINITION, 1, 10),
    WarmStartConfig: structure(
      {
        ParentHyperParameterTuningJobs: list(structure({ HyperParameterTuningJobName: TUNING_JOB_NAME }), 1, 5),
        WarmStartType: oneOf("IdenticalDataAndAlgorithm", "TransferLearning"),
      },
      ["ParentHyperParameterTuningJobs", "WarmStartType"],
    ),
    Tags: list(TAG, 0, 50),
    Autotune: structure({ Mode: oneOf("Enabled") }, ["Mode"]),
  },
  ["HyperParameterTuningJobName", "HyperParameterTuningJobConfig"],
);

/** DescribeHyperParameterTuningJob, StopHyperParameterTuningJob, DeleteHyperParameterTuningJob. */
export const TUNING_JOB_NAME_REQUEST = structure({ HyperParameterTuningJobName: TUNING_JOB_NAME }, ["HyperParameterTuningJobName"]);

const NEXT_TOKEN = string(0, 8192, ANY);
const MAX_RESULTS = integer(1, 100);
const SORT_ORDER = oneOf("Ascending", "Descending");

export const LIST_TUNING_JOBS_REQUEST = structure({
  NextToken: NEXT_TOKEN,
  MaxResults: MAX_RESULTS,
  SortBy: oneOf("Name", "Status", "CreationTime"),
  SortOrder: SORT_ORDER,
  NameContains: string(0, 63, pattern("[a-zA-Z0-9\\-]+")),
  CreationTimeAfter: timestamp,
  CreationTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  LastModifiedTimeBefore: timestamp,
  StatusEquals: oneOf(...TUNING_JOB_STATUSES),
});

export const LIST_TRAINING_JOBS_FOR_TUNING_JOB_REQUEST = structure(
  {
    HyperParameterTuningJobName: TUNING_JOB_NAME,
    NextToken: NEXT_TOKEN,
    MaxResults: MAX_RESULTS,
    StatusEquals: oneOf(...TRAINING_JOB_STATUSES),
    SortBy: oneOf("Name", "CreationTime", "Status", "FinalObjectiveMetricValue"),
    SortOrder: SORT_ORDER,
  },
  ["HyperParameterTuningJobName"],
);
