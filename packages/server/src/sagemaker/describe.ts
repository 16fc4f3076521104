/**
 * DescribeTrainingJob's answer, pure: a job's view in, the response out. It carries every member
 * SageMaker returns for the job, with SageMaker's defaults for what the request left out, so that
 * clients reading the answer as SageMaker's (the SageMaker Python SDK's `Estimator.attach`, which
 * indexes `OutputDataConfig["KmsKeyId"]`, `ResourceConfig["VolumeSizeInGB"]`, ...) find them.
 *
 * Every member of botocore's DescribeTrainingJobResponse is either always answered or listed in
 * WHEN_ABSENT with the reason an answer can lack it (describe.test.ts checks this against the
 * model of the machine's botocore).
 */
import type { JobView } from "../control-plane.js";
import { DEFAULT_MAX_RUNTIME_SECONDS } from "../jobs/plan.js";
import type { ChannelShape, CreateTrainingJobRequest } from "./request.js";
import { optmlExecutor } from "../executors/description.js";
import { tuningJobArnOfTrainingJob } from "./tuning-arn.js";

/** OutputDataConfig.KmsKeyId without a key: SageMaker answers "" (the SDK reads it unconditionally). */
export const DEFAULT_KMS_KEY_ID = "";
/** OutputDataConfig.CompressionType: "Defaults to gzip" (API reference). */
export const DEFAULT_OUTPUT_COMPRESSION = "GZIP";
/**
 * ResourceConfig.VolumeSizeInGB is optional in today's API (SageMaker chooses for serverless
 * jobs); a classic job without it is answered with 30, the volume both SageMaker Python SDKs ask
 * for by default, because `Estimator.attach` reads the member unconditionally.
 */
export const DEFAULT_VOLUME_SIZE_IN_GB = 30;
/** ProfilerConfig.ProfilingIntervalInMilliseconds: "The default value is 500 milliseconds." */
export const DEFAULT_PROFILING_INTERVAL_MS = 500;

const ECHOED = "echoed from the CreateTrainingJob request, when it had the member";

/**
 * The members an answer can lack, each with the reason. Top-level members by name, members of the
 * structures answered for every job as `Structure.Member`, members of channels as
 * `InputDataConfig.member.Member`. The top-level members whose reason is ECHOED are copied from
 * the request as it came.
 */
export const WHEN_ABSENT: Readonly<Record<string, string>> = {
  TuningJobArn: "only for a job launched by a hyperparameter tuning job",
  LabelingJobArn: "the job was not launched by a Ground Truth labeling job (optml has none)",
  AutoMLJobArn: "the job was not launched by an AutoML job (optml has none)",
  ModelArtifacts: "until the model has been uploaded (Completed, or Stopped after training ran), as SageMaker",
  FailureReason: "only when the job has Failed",
  HyperParameters: ECHOED,
  InputDataConfig: ECHOED,
  WarmPoolStatus: "optml keeps no warm pools: KeepAlivePeriodInSeconds is accepted and echoed, nothing is retained",
  VpcConfig: ECHOED,
  TrainingStartTime: "until the job has started (SecondaryStatus Downloading or Training)",
  TrainingEndTime: "until the job has ended after starting",
  FinalMetricDataList: "until a MetricDefinitions regex has matched a log line",
  CheckpointConfig: ECHOED,
  TrainingTimeInSeconds: "until the job has ended after starting",
  BillableTimeInSeconds: "until the job has ended after starting",
  BillableTokenCount: "token-billed (serverless) jobs only; optml runs none",
  DebugHookConfig: ECHOED,
  ExperimentConfig: ECHOED,
  DebugRuleConfigurations: ECHOED,
  TensorBoardOutputConfig: ECHOED,
  DebugRuleEvaluationStatuses: "optml runs no SageMaker Debugger rule evaluations (the configurations are accepted and echoed)",
  ProfilerConfig: ECHOED,
  ProfilerRuleConfigurations: ECHOED,
  ProfilerRuleEvaluationStatuses: "optml runs no SageMaker Debugger rule evaluations (the configurations are accepted and echoed)",
  Environment: ECHOED,
  RetryStrategy: ECHOED,
  RemoteDebugConfig: ECHOED,
  InfraCheckConfig: ECHOED,
  ServerlessJobConfig: ECHOED,
  MlflowConfig: ECHOED,
  ModelPackageConfig: ECHOED,
  MlflowDetails: "optml does not log to MLflow (MlflowConfig is echoed only)",
  ProgressInfo: "serverless jobs only; optml runs none",
  OutputModelPackageArn: "serverless jobs only (ModelPackageConfig); optml registers no model packages",

  "AlgorithmSpecification.TrainingImage": "a job names exactly one of TrainingImage and AlgorithmName, as its request did",
  "AlgorithmSpecification.AlgorithmName": "a job names exactly one of TrainingImage and AlgorithmName, as its request did",
  "AlgorithmSpecification.MetricDefinitions": ECHOED,
  "AlgorithmSpecification.ContainerEntrypoint": ECHOED,
  "AlgorithmSpecification.ContainerArguments": ECHOED,
  "AlgorithmSpecification.TrainingImageConfig": ECHOED,
  "ResourceConfig.InstanceType": "a heterogeneous cluster (InstanceGroups) has no InstanceType, as its request had none",
  "ResourceConfig.InstanceCount": "a heterogeneous cluster (InstanceGroups) has no InstanceCount, as its request had none",
  "ResourceConfig.VolumeKmsKeyId": ECHOED,
  "ResourceConfig.KeepAlivePeriodInSeconds": ECHOED,
  "ResourceConfig.InstanceGroups": ECHOED,
  "ResourceConfig.TrainingPlanArn": ECHOED,
  "ResourceConfig.InstancePlacementConfig": ECHOED,
  "StoppingCondition.MaxWaitTimeInSeconds": ECHOED,
  "StoppingCondition.MaxPendingTimeInSeconds": ECHOED,
  "InputDataConfig.member.ContentType": ECHOED,
  "InputDataConfig.member.InputMode": "echoed when the channel had it; otherwise the channel uses AlgorithmSpecification.TrainingInputMode",
  "InputDataConfig.member.ShuffleConfig": ECHOED,
};

/** The top-level members copied from the request as it came (channels and ProfilerConfig get defaults below). */
const ECHOED_MEMBERS = Object.entries(WHEN_ABSENT)
  .filter(([member, reason]) => reason === ECHOED && !member.includes("."))
  .map(([member]) => member)
  .filter((member) => !["InputDataConfig", "ProfilerConfig"].includes(member));

const date = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000));
const isSet = (value: unknown) => value !== undefined && value !== null;

export function describeTrainingJob(view: JobView): Record<string, unknown> {
  const { record: job, transitions, finalMetrics } = view;
  const req = job.request as CreateTrainingJobRequest;
  const seconds =
    job.trainingStartTime !== null && job.trainingEndTime !== null ? Math.max(1, Math.round(job.trainingEndTime - job.trainingStartTime)) : undefined;

  const response: Record<string, unknown> = {
    TrainingJobName: job.name,
    TrainingJobArn: job.arn,
    TrainingJobStatus: job.status,
    SecondaryStatus: job.secondaryStatus,
    RoleArn: req.RoleArn,
  };
  for (const member of ECHOED_MEMBERS) if (isSet(req[member])) response[member] = req[member];

  const algorithm = req.AlgorithmSpecification;
  response.AlgorithmSpecification = { ...algorithm, EnableSageMakerMetricsTimeSeries: algorithm.EnableSageMakerMetricsTimeSeries ?? false };
  const output = req.OutputDataConfig;
  response.OutputDataConfig = {
    ...output,
    KmsKeyId: output.KmsKeyId ?? DEFAULT_KMS_KEY_ID,
    CompressionType: output.CompressionType ?? DEFAULT_OUTPUT_COMPRESSION,
  };
  const resources = req.ResourceConfig;
  response.ResourceConfig = { ...resources, VolumeSizeInGB: resources.VolumeSizeInGB ?? DEFAULT_VOLUME_SIZE_IN_GB };
  response.StoppingCondition = {
    ...req.StoppingCondition,
    MaxRuntimeInSeconds: req.StoppingCondition.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS,
  };
  if (isSet(req.InputDataConfig)) response.InputDataConfig = req.InputDataConfig!.map(channelWithDefaults);

  const profiler = req.ProfilerConfig as { DisableProfiler?: boolean; ProfilingIntervalInMilliseconds?: number } | undefined | null;
  const profiling = isSet(profiler) && profiler!.DisableProfiler !== true;
  if (isSet(profiler)) {
    response.ProfilerConfig = profiling
      ? { ...profiler, ProfilingIntervalInMilliseconds: profiler!.ProfilingIntervalInMilliseconds ?? DEFAULT_PROFILING_INTERVAL_MS }
      : profiler;
  }
  response.ProfilingStatus = profiling ? "Enabled" : "Disabled";

  if (job.tuning !== null) response.TuningJobArn = tuningJobArnOfTrainingJob(job.arn, job.tuning.job);
  response.EnableNetworkIsolation = req.EnableNetworkIsolation ?? false;
  response.EnableInterContainerTrafficEncryption = req.EnableInterContainerTrafficEncryption ?? false;
  response.EnableManagedSpotTraining = req.EnableManagedSpotTraining ?? false;

  response.CreationTime = date(job.creationTime);
  response.LastModifiedTime = date(job.lastModifiedTime);
  response.SecondaryStatusTransitions = transitions.map((t) => ({
    Status: t.status,
    StartTime: date(t.startTime),
    ...(t.endTime !== null ? { EndTime: date(t.endTime) } : {}),
    StatusMessage: t.message,
  }));
  if (job.modelArtifacts !== null) response.ModelArtifacts = { S3ModelArtifacts: job.modelArtifacts };
  if (job.failureReason !== null) response.FailureReason = job.failureReason;
  if (job.trainingStartTime !== null) response.TrainingStartTime = date(job.trainingStartTime);
  if (job.trainingEndTime !== null) response.TrainingEndTime = date(job.trainingEndTime);
  if (seconds !== undefined) {
    response.TrainingTimeInSeconds = seconds;
    response.BillableTimeInSeconds = seconds;
  }
  if (finalMetrics.length) {
    response.FinalMetricDataList = finalMetrics.slice(0, 40).map((m) => ({ MetricName: m.name, Value: m.value, Timestamp: date(m.timestamp) }));
  }
  if (job.warnings.length) response.OptmlWarnings = [...job.warnings];
  const executor = optmlExecutor(job.executorState, job.request);
  if (executor) response.OptmlExecutor = executor;
  if (job.python !== null) response.OptmlPython = { Path: job.python.path, Version: job.python.version };
  return response;
}

/** A channel as SageMaker describes it: compression and record wrapping "None", data fully replicated, unless given. */
export function channelWithDefaults(channel: ChannelShape): Record<string, unknown> {
  const s3 = channel.DataSource.S3DataSource;
  return {
    ...channel,
    ...(s3 ? { DataSource: { ...channel.DataSource, S3DataSource: { ...s3, S3DataDistributionType: s3.S3DataDistributionType ?? "FullyReplicated" } } } : {}),
    CompressionType: channel.CompressionType ?? "None",
    RecordWrapperType: channel.RecordWrapperType ?? "None",
  };
}
