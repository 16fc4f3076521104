/**
 * The processing job operations: one thin handler each, from the validated request to the control
 * plane (ProcessingApi, which the control plane implements) and back through the pure builders
 * below. handlers.ts adds them to the SageMaker service.
 */
import { executorDescription, type OptmlExecutor } from "../executors/description.js";
import type { Handler } from "../protocol/types.js";
import type { ProcessingJobRecord, ProcessingJobStatus, ProcessingListQuery } from "../store/index.js";
import { listQueryOf, page } from "./list-input.js";
import type { CreateProcessingJobRequest } from "./processing-request.js";
import { validateCreateProcessingJob, validateListProcessingJobs, validateProcessingJobName } from "./processing-validate.js";
import { processingJobConfig } from "../jobs/processing-plan.js";

/** What the processing handlers need of the control plane. */
export interface ProcessingApi {
  createProcessingJob(request: CreateProcessingJobRequest, region: string): Promise<{ ProcessingJobArn: string }>;
  /** Throws ResourceNotFound (protocol/errors.ts processingJobNotFound) for a name it does not know. */
  processingJob(name: string, region?: string): ProcessingJobRecord;
  listProcessingJobs(query: ProcessingListQuery): ProcessingJobRecord[];
  stopProcessingJob(name: string, region?: string): void;
  deleteProcessingJob(name: string, region?: string): Promise<{ freedBytes: number }>;
}

const time = (seconds: number) => new Date(seconds * 1000);

/** DescribeProcessingJob's answer: the request with the defaults SageMaker fills in, and the job's state. */
export function describeProcessingJob(record: ProcessingJobRecord): Record<string, unknown> {
  const request = record.request as CreateProcessingJobRequest;
  const config = processingJobConfig(request, record.arn);
  const inputs = (config.ProcessingInputs as Record<string, unknown>[]).map((input) => {
    const { S3DownloadMode: _mode, ...s3 } = (input.S3Input ?? {}) as Record<string, unknown>;
    return input.S3Input ? { ...input, S3Input: s3 } : input;
  });
  const outputs = request.ProcessingOutputConfig;
  return {
    ...(request.ProcessingInputs ? { ProcessingInputs: inputs } : {}),
    ...(outputs ? { ProcessingOutputConfig: outputs } : {}),
    ProcessingJobName: record.name,
    ProcessingResources: request.ProcessingResources,
    ...(request.StoppingCondition ? { StoppingCondition: request.StoppingCondition } : {}),
    AppSpecification: request.AppSpecification,
    ...(request.Environment ? { Environment: request.Environment } : {}),
    ...(request.NetworkConfig ? { NetworkConfig: request.NetworkConfig } : {}),
    RoleArn: request.RoleArn,
    ...(request.ExperimentConfig ? { ExperimentConfig: request.ExperimentConfig } : {}),
    ProcessingJobArn: record.arn,
    ProcessingJobStatus: record.status,
    ...(record.exitMessage !== null ? { ExitMessage: record.exitMessage } : {}),
    ...(record.failureReason !== null ? { FailureReason: record.failureReason } : {}),
    ...(record.endTime !== null ? { ProcessingEndTime: time(record.endTime) } : {}),
    ...(record.startTime !== null ? { ProcessingStartTime: time(record.startTime) } : {}),
    LastModifiedTime: time(record.lastModifiedTime),
    CreationTime: time(record.creationTime),
    // optml's extensions: what ran the job, and what could not be as asked.
    ...executorMember(record),
    ...(record.warnings.length ? { OptmlWarnings: record.warnings } : {}),
  };
}

function executorMember(record: ProcessingJobRecord): { OptmlExecutor?: OptmlExecutor } {
  const name = (record.executorState as { executor?: unknown } | null)?.executor;
  return typeof name === "string" ? { OptmlExecutor: executorDescription(name, (record.request as CreateProcessingJobRequest).AppSpecification.ImageUri) } : {};
}

export function processingJobSummary(record: ProcessingJobRecord): Record<string, unknown> {
  return {
    ProcessingJobName: record.name,
    ProcessingJobArn: record.arn,
    CreationTime: time(record.creationTime),
    ...(record.endTime !== null ? { ProcessingEndTime: time(record.endTime) } : {}),
    LastModifiedTime: time(record.lastModifiedTime),
    ProcessingJobStatus: record.status,
    ...(record.failureReason !== null ? { FailureReason: record.failureReason } : {}),
    ...(record.exitMessage !== null ? { ExitMessage: record.exitMessage } : {}),
  };
}

export function processingHandlers(api: ProcessingApi): Record<string, Handler> {
  return {
    CreateProcessingJob: async (input, ctx) => {
      validateCreateProcessingJob(input);
      return api.createProcessingJob(input as unknown as CreateProcessingJobRequest, ctx.region);
    },
    DescribeProcessingJob: (input, ctx) => describeProcessingJob(api.processingJob(validateProcessingJobName(input), ctx.region)),
    ListProcessingJobs: (input) => {
      validateListProcessingJobs(input);
      const query = listQueryOf<ProcessingListQuery["sortBy"], ProcessingJobStatus>(input, { sortBy: "CreationTime", sortOrder: "Ascending", maxResults: 10 });
      const { rows, nextToken } = page(api.listProcessingJobs(query), query);
      return { ProcessingJobSummaries: rows.map(processingJobSummary), ...(nextToken ? { NextToken: nextToken } : {}) };
    },
    StopProcessingJob: (input, ctx) => {
      api.stopProcessingJob(validateProcessingJobName(input), ctx.region);
      return {};
    },
    DeleteProcessingJob: async (input, ctx) => {
      const { freedBytes } = await api.deleteProcessingJob(validateProcessingJobName(input), ctx.region);
      // optml's extension, as DeleteTrainingJob's: the bytes the job's files took.
      return { OptmlFreedBytes: freedBytes };
    },
  };
}
