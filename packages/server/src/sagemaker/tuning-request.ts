/**
 * The members of a CreateHyperParameterTuningJob request that optml acts on, written from
 * botocore's shape (CreateHyperParameterTuningJobRequest, sagemaker 2017-07-24). The request as a
 * whole is stored and echoed by DescribeHyperParameterTuningJob as it came; tuning-validate.ts has
 * checked shapes, constraints and the rules between members before anything reads these types.
 */
import type { ChannelShape, InstanceGroupShape } from "./request.js";

export type HyperParameterScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";
export type TuningStrategy = "Bayesian" | "Random" | "Hyperband" | "Grid";
export type ObjectiveType = "Maximize" | "Minimize";

export interface IntegerParameterRange {
  Name: string;
  MinValue: string;
  MaxValue: string;
  ScalingType?: HyperParameterScalingType;
}
export type ContinuousParameterRange = IntegerParameterRange;
export interface CategoricalParameterRange {
  Name: string;
  Values: string[];
}
export interface AutoParameter {
  Name: string;
  ValueHint: string;
}

export interface ParameterRanges {
  IntegerParameterRanges?: IntegerParameterRange[];
  ContinuousParameterRanges?: ContinuousParameterRange[];
  CategoricalParameterRanges?: CategoricalParameterRange[];
  AutoParameters?: AutoParameter[];
}

export interface HyperParameterTuningJobObjective {
  Type: ObjectiveType;
  MetricName: string;
}

export interface ResourceLimits {
  MaxNumberOfTrainingJobs?: number;
  MaxParallelTrainingJobs: number;
  MaxRuntimeInSeconds?: number;
}

export interface TuningJobCompletionCriteria {
  TargetObjectiveMetricValue?: number;
  BestObjectiveNotImproving?: { MaxNumberOfTrainingJobsNotImproving?: number };
  ConvergenceDetected?: { CompleteOnConvergence?: "Disabled" | "Enabled" };
}

export interface HyperParameterTuningJobConfig {
  Strategy: TuningStrategy;
  StrategyConfig?: { HyperbandStrategyConfig?: { MinResource?: number; MaxResource?: number } };
  /** Required with TrainingJobDefinition; each of several TrainingJobDefinitions has its own TuningObjective. */
  HyperParameterTuningJobObjective?: HyperParameterTuningJobObjective;
  ResourceLimits: ResourceLimits;
  /** With TrainingJobDefinition; each of several TrainingJobDefinitions has its own HyperParameterRanges. */
  ParameterRanges?: ParameterRanges;
  /** Default Off. */
  TrainingJobEarlyStoppingType?: "Off" | "Auto";
  TuningJobCompletionCriteria?: TuningJobCompletionCriteria;
  RandomSeed?: number;
}

export interface HyperParameterTrainingJobDefinition {
  /** Required when the request has several TrainingJobDefinitions. */
  DefinitionName?: string;
  TuningObjective?: HyperParameterTuningJobObjective;
  HyperParameterRanges?: ParameterRanges;
  StaticHyperParameters?: Record<string, string>;
  AlgorithmSpecification: {
    TrainingImage?: string;
    AlgorithmName?: string;
    TrainingInputMode: "Pipe" | "File" | "FastFile";
    MetricDefinitions?: { Name: string; Regex: string }[];
  };
  RoleArn: string;
  InputDataConfig?: ChannelShape[];
  VpcConfig?: { SecurityGroupIds: string[]; Subnets: string[] };
  OutputDataConfig: { S3OutputPath: string; KmsKeyId?: string; CompressionType?: "GZIP" | "NONE" };
  ResourceConfig?: {
    InstanceType?: string;
    InstanceCount?: number;
    VolumeSizeInGB?: number;
    VolumeKmsKeyId?: string;
    KeepAlivePeriodInSeconds?: number;
    InstanceGroups?: InstanceGroupShape[];
  };
  HyperParameterTuningResourceConfig?: {
    InstanceType?: string;
    InstanceCount?: number;
    VolumeSizeInGB?: number;
    VolumeKmsKeyId?: string;
    AllocationStrategy?: "Prioritized";
    InstanceConfigs?: { InstanceType: string; InstanceCount: number; VolumeSizeInGB: number }[];
  };
  StoppingCondition: { MaxRuntimeInSeconds?: number; MaxWaitTimeInSeconds?: number; MaxPendingTimeInSeconds?: number };
  EnableNetworkIsolation?: boolean;
  EnableInterContainerTrafficEncryption?: boolean;
  EnableManagedSpotTraining?: boolean;
  CheckpointConfig?: { S3Uri: string; LocalPath?: string };
  RetryStrategy?: { MaximumRetryAttempts: number };
  Environment?: Record<string, string>;
  [member: string]: unknown;
}

export interface CreateHyperParameterTuningJobRequest {
  HyperParameterTuningJobName: string;
  HyperParameterTuningJobConfig: HyperParameterTuningJobConfig;
  /** Exactly one of TrainingJobDefinition and TrainingJobDefinitions. */
  TrainingJobDefinition?: HyperParameterTrainingJobDefinition;
  TrainingJobDefinitions?: HyperParameterTrainingJobDefinition[];
  WarmStartConfig?: {
    ParentHyperParameterTuningJobs: { HyperParameterTuningJobName?: string }[];
    WarmStartType: "IdenticalDataAndAlgorithm" | "TransferLearning";
  };
  Tags?: { Key: string; Value: string }[];
  Autotune?: { Mode: "Enabled" };
  [member: string]: unknown;
}

/** The training definitions of a request, one or several, as a list. */
export function trainingDefinitions(request: CreateHyperParameterTuningJobRequest): HyperParameterTrainingJobDefinition[] {
  if (request.TrainingJobDefinitions) return request.TrainingJobDefinitions;
  return request.TrainingJobDefinition ? [request.TrainingJobDefinition] : [];
}

/** A definition's objective: its own TuningObjective, else the tuning job's. */
export function objectiveOf(
  request: CreateHyperParameterTuningJobRequest,
  definition: HyperParameterTrainingJobDefinition,
): HyperParameterTuningJobObjective | undefined {
  return definition.TuningObjective ?? request.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
}

/** A definition's ranges: its own HyperParameterRanges, else the tuning job's ParameterRanges. */
export function rangesOf(request: CreateHyperParameterTuningJobRequest, definition: HyperParameterTrainingJobDefinition): ParameterRanges {
  return definition.HyperParameterRanges ?? request.HyperParameterTuningJobConfig.ParameterRanges ?? {};
}
