/**
 * The answers of the tuning operations, pure: a tuning job's view (its record and its training
 * jobs' records with their final metrics) in, the API's output out.
 *
 * - DescribeHyperParameterTuningJob: every member SageMaker returns, with SageMaker's defaults for
 *   what the request left out, so that clients reading the answer as SageMaker's (the SageMaker
 *   Python SDK's `HyperparameterTuner.attach`, which indexes `TrainingJobEarlyStoppingType`,
 *   `ResourceLimits.MaxNumberOfTrainingJobs`, all three kinds of `ParameterRanges`,
 *   `StaticHyperParameters._tuning_objective_metric`, ...) find them. Every member of botocore's
 *   DescribeHyperParameterTuningJobResponse is answered or listed in WHEN_ABSENT with the reason
 *   (tuning-describe.test.ts checks this against the machine's botocore).
 * - The HyperParameterTuningJobSummary of ListHyperParameterTuningJobs.
 * - The HyperParameterTrainingJobSummary of a trial (ListTrainingJobsForHyperParameterTuningJob,
 *   BestTrainingJob, OverallBestTrainingJob).
 *
 * A trial's objective counts once the trial has ended (Completed, or Stopped, as early stopping
 * stops trials) with a value of its objective metric: ObjectiveStatus Succeeded. A running trial's
 * objective is Pending; a trial that failed, or ended without the metric, Failed.
 */
import type { JobRecord, MetricSample, TuningJobRecord } from "../store/index.js";
import { DEFAULT_MAX_RUNTIME_SECONDS } from "./validate.js";
import { channelWithDefaults, DEFAULT_KMS_KEY_ID, DEFAULT_OUTPUT_COMPRESSION, DEFAULT_VOLUME_SIZE_IN_GB } from "./describe.js";
import type { ChannelShape } from "./request.js";
import {
  objectiveOf,
  trainingDefinitions,
  type CreateHyperParameterTuningJobRequest,
  type HyperParameterTrainingJobDefinition,
  type HyperParameterTuningJobObjective,
  type ParameterRanges,
} from "./tuning-request.js";
import { gridSize } from "./tuning-validate.js";

/** A training job a tuning job launched, with its final metrics (each metric's last value). */
export interface TrialView {
  readonly job: JobRecord;
  readonly finalMetrics: readonly MetricSample[];
}

export interface TuningJobView {
  readonly record: TuningJobRecord;
  /** This tuning job's training jobs, in seq order. */
  readonly trials: readonly TrialView[];
  /** The warm start parents' trials (for OverallBestTrainingJob). */
  readonly parentTrials: readonly TrialView[];
}

/** TrainingJobEarlyStoppingType when the request has none: "the default value is OFF". */
export const DEFAULT_EARLY_STOPPING_TYPE = "Off";
/** The static hyperparameter SageMaker adds to every training definition: the objective's metric name. */
export const TUNING_OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric";

const ECHOED = "echoed from the CreateHyperParameterTuningJob request, when it had the member";

/**
 * The members an answer can lack, each with the reason. Top-level members by name, members of
 * HyperParameterTuningJobConfig as `HyperParameterTuningJobConfig.Member`, members of the training
 * definitions as `TrainingJobDefinition.Member` (for TrainingJobDefinitions too), members of a
 * trial's summary as `HyperParameterTrainingJobSummary.Member`.
 */
export const WHEN_ABSENT: Readonly<Record<string, string>> = {
  TrainingJobDefinition: "the request gave TrainingJobDefinitions instead (exactly one of the two is answered, as the request had)",
  TrainingJobDefinitions: "the request gave one TrainingJobDefinition instead (exactly one of the two is answered, as the request had)",
  HyperParameterTuningEndTime: "until the tuning job has ended",
  BestTrainingJob: "until a training job has ended with a value of the objective metric",
  OverallBestTrainingJob: "only for a warm start of type IdenticalDataAndAlgorithm, once a training job of it or of its parents has an objective value",
  WarmStartConfig: ECHOED,
  Autotune: "optml runs no Autotune (CreateHyperParameterTuningJob refuses it)",
  FailureReason: "only when the tuning job has Failed",
  TuningJobCompletionDetails: "until the tuner has recorded completion details (a completion criterion in use)",

  "HyperParameterTuningJobConfig.StrategyConfig": ECHOED,
  "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective": "the request gave each training definition its TuningObjective instead",
  "HyperParameterTuningJobConfig.ParameterRanges": "the request gave each of several training definitions its HyperParameterRanges instead",
  "HyperParameterTuningJobConfig.TuningJobCompletionCriteria": ECHOED,
  "HyperParameterTuningJobConfig.RandomSeed": ECHOED,

  "TrainingJobDefinition.DefinitionName": ECHOED,
  "TrainingJobDefinition.TuningObjective": "the tuning job's HyperParameterTuningJobObjective holds it, as the request had it",
  "TrainingJobDefinition.HyperParameterRanges": "the tuning job's ParameterRanges hold them, as the request had them",
  "TrainingJobDefinition.InputDataConfig": ECHOED,
  "TrainingJobDefinition.VpcConfig": ECHOED,
  "TrainingJobDefinition.ResourceConfig": "the definition used HyperParameterTuningResourceConfig with InstanceConfigs (several instance types) instead, as its request did",
  "TrainingJobDefinition.HyperParameterTuningResourceConfig": "the definition used ResourceConfig instead, as its request did",
  "TrainingJobDefinition.CheckpointConfig": ECHOED,
  "TrainingJobDefinition.RetryStrategy": ECHOED,
  "TrainingJobDefinition.Environment": ECHOED,

  "HyperParameterTrainingJobSummary.TrainingJobDefinitionName": "only when the request used TrainingJobDefinitions (named definitions)",
  "HyperParameterTrainingJobSummary.TrainingStartTime": "until the training job has started",
  "HyperParameterTrainingJobSummary.TrainingEndTime": "until the training job has ended after starting",
  "HyperParameterTrainingJobSummary.FailureReason": "only when the training job has Failed",
  "HyperParameterTrainingJobSummary.FinalHyperParameterTuningJobObjectiveMetric": "until the training job has ended with a value of the objective metric (ObjectiveStatus Succeeded)",
};

const date = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000));
const isSet = (value: unknown): boolean => value !== undefined && value !== null;

// ---------------------------------------------------------------------------------------------
// Trials

export type ObjectiveStatus = "Succeeded" | "Pending" | "Failed";

/** The objective a trial is judged by: its training definition's, else the tuning job's. */
export function trialObjective(request: CreateHyperParameterTuningJobRequest, trial: TrialView): HyperParameterTuningJobObjective | undefined {
  const definitions = trainingDefinitions(request);
  const name = trial.job.tuning?.definition ?? null;
  const definition = (name === null ? undefined : definitions.find((d) => d.DefinitionName === name)) ?? definitions[0];
  return definition ? objectiveOf(request, definition) : request.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
}

/** The trial's last value of its objective metric (running or not), when it has one. */
export function objectiveValue(request: CreateHyperParameterTuningJobRequest, trial: TrialView): number | undefined {
  const objective = trialObjective(request, trial);
  if (!objective) return undefined;
  return trial.finalMetrics.find((m) => m.name === objective.MetricName)?.value;
}

export function objectiveStatus(request: CreateHyperParameterTuningJobRequest, trial: TrialView): ObjectiveStatus {
  switch (trial.job.status) {
    case "InProgress":
    case "Stopping":
      return "Pending";
    case "Failed":
      return "Failed";
    default:
      return objectiveValue(request, trial) === undefined ? "Failed" : "Succeeded";
  }
}

/** The trial's final objective: its value once the trial has ended with one (ObjectiveStatus Succeeded). */
export function finalObjective(request: CreateHyperParameterTuningJobRequest, trial: TrialView): number | undefined {
  return objectiveStatus(request, trial) === "Succeeded" ? objectiveValue(request, trial) : undefined;
}

/** HyperParameterTrainingJobSummary of one trial. */
export function trainingJobSummary(request: CreateHyperParameterTuningJobRequest, trial: TrialView): Record<string, unknown> {
  const { job } = trial;
  const tuning = job.tuning;
  const objective = trialObjective(request, trial);
  const status = objectiveStatus(request, trial);
  const value = finalObjective(request, trial);
  return {
    ...(tuning?.definition ? { TrainingJobDefinitionName: tuning.definition } : {}),
    TrainingJobName: job.name,
    TrainingJobArn: job.arn,
    TuningJobName: tuning?.job ?? request.HyperParameterTuningJobName,
    CreationTime: date(job.creationTime),
    ...(job.trainingStartTime !== null ? { TrainingStartTime: date(job.trainingStartTime) } : {}),
    ...(job.trainingStartTime !== null && job.trainingEndTime !== null ? { TrainingEndTime: date(job.trainingEndTime) } : {}),
    TrainingJobStatus: job.status,
    TunedHyperParameters: { ...(tuning?.tuned ?? {}) },
    ...(job.failureReason !== null && job.status === "Failed" ? { FailureReason: job.failureReason } : {}),
    ...(value !== undefined && objective ? { FinalHyperParameterTuningJobObjectiveMetric: { Type: objective.Type, MetricName: objective.MetricName, Value: value } } : {}),
    ObjectiveStatus: status,
  };
}

/**
 * The trial with the best final objective (Minimize: lowest; Maximize: highest) among those that
 * have one; ties go to the earlier trial (seq). Undefined when none has one.
 */
export function bestTrial(request: CreateHyperParameterTuningJobRequest, trials: readonly TrialView[]): TrialView | undefined {
  const type = tuningObjectiveType(request);
  let best: { trial: TrialView; value: number } | undefined;
  const ordered = [...trials].sort((a, b) => (a.job.tuning?.seq ?? 0) - (b.job.tuning?.seq ?? 0));
  for (const trial of ordered) {
    const value = finalObjective(request, trial);
    if (value === undefined || Number.isNaN(value)) continue;
    if (!best || (type === "Minimize" ? value < best.value : value > best.value)) best = { trial, value };
  }
  return best?.trial;
}

/** The direction the tuning job optimizes in: its objective's, else its first training definition's. */
function tuningObjectiveType(request: CreateHyperParameterTuningJobRequest): "Minimize" | "Maximize" {
  const objective =
    request.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective ?? trainingDefinitions(request).find((d) => d.TuningObjective)?.TuningObjective;
  return objective?.Type ?? "Maximize";
}

// ---------------------------------------------------------------------------------------------
// Counters and consumed resources

export function trainingJobStatusCounters(trials: readonly TrialView[]): Record<string, number> {
  const count = (...statuses: string[]) => trials.filter((t) => statuses.includes(t.job.status)).length;
  return {
    Completed: count("Completed"),
    InProgress: count("InProgress", "Stopping"),
    // optml retries nothing on its own: a failed training job failed for a reason of its own.
    RetryableError: 0,
    NonRetryableError: count("Failed"),
    Stopped: count("Stopped"),
  };
}

export function objectiveStatusCounters(request: CreateHyperParameterTuningJobRequest, trials: readonly TrialView[]): Record<string, number> {
  const statuses = trials.map((t) => objectiveStatus(request, t));
  const count = (status: ObjectiveStatus) => statuses.filter((s) => s === status).length;
  return { Succeeded: count("Succeeded"), Pending: count("Pending"), Failed: count("Failed") };
}

/** The trials' training time in seconds, summed: ended trials whole, running ones until `now`. */
export function runtimeInSeconds(trials: readonly TrialView[], now: number): number {
  let total = 0;
  for (const { job } of trials) {
    if (job.trainingStartTime === null) continue;
    total += Math.max(0, (job.trainingEndTime ?? now) - job.trainingStartTime);
  }
  return Math.round(total);
}

// ---------------------------------------------------------------------------------------------
// DescribeHyperParameterTuningJob

/** `now` (epoch seconds) counts the running trials' training time in ConsumedResources. */
export function describeHyperParameterTuningJob(view: TuningJobView, now: number = Date.now() / 1000): Record<string, unknown> {
  const { record, trials } = view;
  const request = record.request as CreateHyperParameterTuningJobRequest;
  const response: Record<string, unknown> = {
    HyperParameterTuningJobName: record.name,
    HyperParameterTuningJobArn: record.arn,
    HyperParameterTuningJobConfig: configWithDefaults(request),
  };
  if (isSet(request.TrainingJobDefinitions)) {
    response.TrainingJobDefinitions = request.TrainingJobDefinitions!.map((d) => definitionWithDefaults(request, d, true));
  } else if (isSet(request.TrainingJobDefinition)) {
    response.TrainingJobDefinition = definitionWithDefaults(request, request.TrainingJobDefinition!, false);
  }
  response.HyperParameterTuningJobStatus = record.status;
  response.CreationTime = date(record.creationTime);
  if (record.endTime !== null) response.HyperParameterTuningEndTime = date(record.endTime);
  response.LastModifiedTime = date(record.lastModifiedTime);
  response.TrainingJobStatusCounters = trainingJobStatusCounters(trials);
  response.ObjectiveStatusCounters = objectiveStatusCounters(request, trials);

  const best = bestTrial(request, trials);
  if (best) response.BestTrainingJob = trainingJobSummary(request, best);
  if (request.WarmStartConfig?.WarmStartType === "IdenticalDataAndAlgorithm") {
    const overall = bestTrial(request, [...trials, ...view.parentTrials]);
    if (overall) response.OverallBestTrainingJob = trainingJobSummary(request, overall);
  }
  if (isSet(request.WarmStartConfig)) response.WarmStartConfig = request.WarmStartConfig;
  if (record.failureReason !== null) response.FailureReason = record.failureReason;
  const completion = completionDetails(record.completion);
  if (completion) response.TuningJobCompletionDetails = completion;
  response.ConsumedResources = { RuntimeInSeconds: runtimeInSeconds(trials, now) };
  return response;
}

/** HyperParameterTuningJobSummary, for ListHyperParameterTuningJobs. */
export function tuningJobSummary(view: TuningJobView): Record<string, unknown> {
  const { record, trials } = view;
  const request = record.request as CreateHyperParameterTuningJobRequest;
  const config = configWithDefaults(request) as { Strategy: string; ResourceLimits: unknown };
  return {
    HyperParameterTuningJobName: record.name,
    HyperParameterTuningJobArn: record.arn,
    HyperParameterTuningJobStatus: record.status,
    Strategy: config.Strategy,
    CreationTime: date(record.creationTime),
    ...(record.endTime !== null ? { HyperParameterTuningEndTime: date(record.endTime) } : {}),
    LastModifiedTime: date(record.lastModifiedTime),
    TrainingJobStatusCounters: trainingJobStatusCounters(trials),
    ObjectiveStatusCounters: objectiveStatusCounters(request, trials),
    ResourceLimits: config.ResourceLimits,
  };
}

/** The config as SageMaker describes it: early stopping Off, a Grid job's inferred MaxNumberOfTrainingJobs, every kind of range. */
function configWithDefaults(request: CreateHyperParameterTuningJobRequest): Record<string, unknown> {
  const config = request.HyperParameterTuningJobConfig;
  const limits = { ...config.ResourceLimits };
  if (config.Strategy === "Grid" && !isSet(limits.MaxNumberOfTrainingJobs)) limits.MaxNumberOfTrainingJobs = gridSize(request);
  const out: Record<string, unknown> = {
    ...config,
    ResourceLimits: limits,
    TrainingJobEarlyStoppingType: config.TrainingJobEarlyStoppingType ?? DEFAULT_EARLY_STOPPING_TYPE,
  };
  if (isSet(config.ParameterRanges)) out.ParameterRanges = rangesWithDefaults(config.ParameterRanges!);
  else if (!isSet(request.TrainingJobDefinitions)) out.ParameterRanges = rangesWithDefaults({});
  return out;
}

/** All three kinds of ranges, empty where the request had none (AutoParameters only when given). */
function rangesWithDefaults(ranges: ParameterRanges): Record<string, unknown> {
  return {
    ...ranges,
    IntegerParameterRanges: ranges.IntegerParameterRanges ?? [],
    ContinuousParameterRanges: ranges.ContinuousParameterRanges ?? [],
    CategoricalParameterRanges: ranges.CategoricalParameterRanges ?? [],
  };
}

/** A training definition as SageMaker describes it: the training job defaults of describe.ts, and `_tuning_objective_metric`. */
function definitionWithDefaults(
  request: CreateHyperParameterTuningJobRequest,
  definition: HyperParameterTrainingJobDefinition,
  named: boolean,
): Record<string, unknown> {
  const objective = objectiveOf(request, definition);
  const out: Record<string, unknown> = { ...definition };
  out.StaticHyperParameters = {
    ...(definition.StaticHyperParameters ?? {}),
    ...(objective && !isSet(definition.StaticHyperParameters?.[TUNING_OBJECTIVE_HYPERPARAMETER])
      ? { [TUNING_OBJECTIVE_HYPERPARAMETER]: objective.MetricName }
      : {}),
  };
  if (named && isSet(definition.HyperParameterRanges)) out.HyperParameterRanges = rangesWithDefaults(definition.HyperParameterRanges!);
  const algorithm = definition.AlgorithmSpecification;
  out.AlgorithmSpecification = { ...algorithm, MetricDefinitions: algorithm.MetricDefinitions ?? [] };
  out.OutputDataConfig = {
    ...definition.OutputDataConfig,
    KmsKeyId: definition.OutputDataConfig.KmsKeyId ?? DEFAULT_KMS_KEY_ID,
    CompressionType: definition.OutputDataConfig.CompressionType ?? DEFAULT_OUTPUT_COMPRESSION,
  };
  if (isSet(definition.ResourceConfig)) {
    out.ResourceConfig = { ...definition.ResourceConfig, VolumeSizeInGB: definition.ResourceConfig!.VolumeSizeInGB ?? DEFAULT_VOLUME_SIZE_IN_GB };
  } else if (isSet(definition.HyperParameterTuningResourceConfig?.InstanceType)) {
    // One instance type is described as a ResourceConfig too: the SageMaker Python SDK sends only
    // HyperParameterTuningResourceConfig, and its HyperparameterTuner.attach reads ResourceConfig.
    out.ResourceConfig = resourceConfigOf(definition);
  }
  out.StoppingCondition = {
    ...definition.StoppingCondition,
    MaxRuntimeInSeconds: definition.StoppingCondition.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS,
  };
  if (isSet(definition.InputDataConfig)) out.InputDataConfig = definition.InputDataConfig!.map((c: ChannelShape) => channelWithDefaults(c));
  out.EnableNetworkIsolation = definition.EnableNetworkIsolation ?? false;
  out.EnableInterContainerTrafficEncryption = definition.EnableInterContainerTrafficEncryption ?? false;
  out.EnableManagedSpotTraining = definition.EnableManagedSpotTraining ?? false;
  return out;
}

/**
 * The ResourceConfig a definition's training jobs run with: its ResourceConfig, else its
 * HyperParameterTuningResourceConfig's instance type, or the first of its InstanceConfigs (with
 * AllocationStrategy Prioritized, the first that has capacity: here, always the first).
 */
export function resourceConfigOf(definition: HyperParameterTrainingJobDefinition): { InstanceType: string; InstanceCount: number; VolumeSizeInGB: number; VolumeKmsKeyId?: string } {
  if (definition.ResourceConfig) {
    return { ...definition.ResourceConfig, VolumeSizeInGB: definition.ResourceConfig.VolumeSizeInGB ?? DEFAULT_VOLUME_SIZE_IN_GB } as ReturnType<typeof resourceConfigOf>;
  }
  const flexible = definition.HyperParameterTuningResourceConfig ?? {};
  const first = flexible.InstanceConfigs?.[0];
  return {
    InstanceType: flexible.InstanceType ?? first?.InstanceType ?? "ml.m5.large",
    InstanceCount: flexible.InstanceCount ?? first?.InstanceCount ?? 1,
    VolumeSizeInGB: flexible.VolumeSizeInGB ?? first?.VolumeSizeInGB ?? DEFAULT_VOLUME_SIZE_IN_GB,
    ...(flexible.VolumeKmsKeyId !== undefined ? { VolumeKmsKeyId: flexible.VolumeKmsKeyId } : {}),
  };
}

/** TuningJobCompletionDetails as stored (ConvergenceDetectedTime in epoch seconds, answered as a timestamp). */
function completionDetails(completion: unknown): Record<string, unknown> | undefined {
  if (completion === null || typeof completion !== "object") return undefined;
  const details = { ...(completion as Record<string, unknown>) };
  if (typeof details.ConvergenceDetectedTime === "number") details.ConvergenceDetectedTime = date(details.ConvergenceDetectedTime);
  return details;
}
