import type { JobView } from "../control-plane.js";

const date = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000));

/**
 * DescribeTrainingJob's answer: the request echoed back (Tags aside, as AWS does) with the job's
 * statuses, transitions, times, artifacts, final metrics and failure reason.
 */
export function describeTrainingJob(view: JobView): Record<string, unknown> {
  const { record: job, transitions, finalMetrics } = view;
  const { Tags: _tags, ...echoed } = job.request;
  const seconds =
    job.trainingStartTime !== null && job.trainingEndTime !== null ? Math.max(0, Math.round(job.trainingEndTime - job.trainingStartTime)) : undefined;
  const response: Record<string, unknown> = {
    ...echoed,
    TrainingJobName: job.name,
    TrainingJobArn: job.arn,
    TrainingJobStatus: job.status,
    SecondaryStatus: job.secondaryStatus,
    CreationTime: date(job.creationTime),
    LastModifiedTime: date(job.lastModifiedTime),
    SecondaryStatusTransitions: transitions.map((t) => ({
      Status: t.status,
      StartTime: date(t.startTime),
      ...(t.endTime !== null ? { EndTime: date(t.endTime) } : {}),
      StatusMessage: t.message,
    })),
    EnableNetworkIsolation: job.request.EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: job.request.EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: job.request.EnableManagedSpotTraining ?? false,
  };
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
  if (job.python !== null) response.OptmlPython = { Path: job.python.path, Version: job.python.version };
  return response;
}
