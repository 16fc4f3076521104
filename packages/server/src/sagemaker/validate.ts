/**
 * Request validation for the training-job operations, as AWS does it, in three steps:
 * 1. JSON types per botocore's service model -> SerializationException (the first mismatch);
 * 2. the model's constraints -> one ValidationException listing every violation
 *    (`2 validation errors detected: Value 'x' at 'trainingJobName' failed to satisfy constraint: ...; ...`);
 * 2b. what AWS's model allows but a local job cannot take (channel names `.` and `..`, NUL in an
 *    environment variable or hyperparameter) -> a ValidationException in step 2's wording, naming
 *    the member, at the door rather than as a failed job later;
 * 3. the rules between members that the model cannot express (spot wait time, Gzip only with Pipe,
 *    one data source per channel, ...) -> a ValidationException for the first one broken.
 *
 * optml extension: `file:///absolute/path` URIs pass wherever an S3 URI does (validate-shapes.ts).
 */
import { formatViolation, validationErrors, validationException } from "../protocol/errors.js";
import { checkTypes, collectViolations, type StructureShape } from "./validate-model.js";
import {
  ADD_TAGS_REQUEST,
  CREATE_TRAINING_JOB_REQUEST,
  DELETE_TAGS_REQUEST,
  LIST_TAGS_REQUEST,
  LIST_TRAINING_JOBS_REQUEST,
  TRAINING_JOB_NAME_REQUEST,
} from "./validate-shapes.js";

/** Default StoppingCondition.MaxRuntimeInSeconds (one day). */
export const DEFAULT_MAX_RUNTIME_SECONDS = 86_400;

export function validateCreateTrainingJob(input: Record<string, unknown>): void {
  validateShape(CREATE_TRAINING_JOB_REQUEST, input);
  const local = localViolations(input as unknown as LocalView);
  if (local.length > 0) throw validationErrors(local);
  const problem = crossMemberProblem(input as unknown as CreateRequestView);
  if (problem !== undefined) throw validationException(problem);
}

export function validateListTrainingJobs(input: Record<string, unknown>): void {
  validateShape(LIST_TRAINING_JOBS_REQUEST, input);
}

/** Describe/Stop/DeleteTrainingJob: the job name, required and well formed. */
export function validateTrainingJobName(input: Record<string, unknown>): string {
  validateShape(TRAINING_JOB_NAME_REQUEST, input);
  return input.TrainingJobName as string;
}

/** AddTags: the resource's ARN and the tags to add or overwrite. */
export function validateAddTags(input: Record<string, unknown>): { arn: string; tags: { Key: string; Value: string }[] } {
  validateShape(ADD_TAGS_REQUEST, input);
  return { arn: input.ResourceArn as string, tags: input.Tags as { Key: string; Value: string }[] };
}

/** ListTags: the resource's ARN (MaxResults and NextToken are checked here too). */
export function validateListTags(input: Record<string, unknown>): string {
  validateShape(LIST_TAGS_REQUEST, input);
  return input.ResourceArn as string;
}

/** DeleteTags: the resource's ARN and the keys to remove. */
export function validateDeleteTags(input: Record<string, unknown>): { arn: string; keys: string[] } {
  validateShape(DELETE_TAGS_REQUEST, input);
  return { arn: input.ResourceArn as string, keys: input.TagKeys as string[] };
}

function validateShape(shape: StructureShape, input: Record<string, unknown>): void {
  checkTypes(shape, input);
  const violations = collectViolations(shape, input);
  if (violations.length > 0) throw validationErrors(violations);
}

// ---------------------------------------------------------------------------------------------
// What the model allows but a job on this machine cannot take. The request has passed steps 1
// and 2, so these types hold.

interface LocalView {
  InputDataConfig?: { ChannelName: string }[] | null;
  Environment?: Record<string, string> | null;
  HyperParameters?: Record<string, string> | null;
  /** A tuning job's training job definition has these in place of HyperParameters. */
  StaticHyperParameters?: Record<string, string> | null;
}

const NOT_DOT_OR_DOT_DOT =
  "Member must not be '.' or '..' (a channel is the directory /opt/ml/input/data/<ChannelName>)";
const NO_NUL_VALUE = "Member must not contain the NUL character (U+0000): a process's environment and arguments cannot carry it";
const NO_NUL_KEY = "Map key must not contain the NUL character (U+0000): a process's environment and arguments cannot carry it";

/**
 * Step 2b: violations in AWS's wording, with AWS's member paths, in request order. `prefix` is the
 * path of the structure checked ("trainingJobDefinition." for a tuning job's definition).
 */
export function localViolations(req: LocalView, prefix = ""): string[] {
  const out: string[] = [];
  (req.InputDataConfig ?? []).forEach((channel, i) => {
    if (channel.ChannelName === "." || channel.ChannelName === "..") {
      out.push(formatViolation(`${prefix}inputDataConfig.${i + 1}.member.channelName`, channel.ChannelName, NOT_DOT_OR_DOT_DOT));
    }
  });
  out.push(...nulViolations(`${prefix}hyperParameters`, req.HyperParameters));
  out.push(...nulViolations(`${prefix}staticHyperParameters`, req.StaticHyperParameters));
  out.push(...nulViolations(`${prefix}environment`, req.Environment));
  return out;
}

function nulViolations(path: string, map: Readonly<Record<string, string>> | null | undefined): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(map ?? {})) {
    if (key.includes("\0")) out.push(formatViolation(path, key, NO_NUL_KEY));
    if (value.includes("\0")) out.push(formatViolation(`${path}.${key}.member`, value, NO_NUL_VALUE));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rules between members. The request has passed steps 1 and 2, so these types hold.

export interface ChannelView {
  ChannelName: string;
  DataSource: { S3DataSource?: unknown; FileSystemDataSource?: unknown; DatasetSource?: unknown };
  CompressionType?: string;
  InputMode?: string;
}

export interface CreateRequestView {
  AlgorithmSpecification: { TrainingImage?: string; AlgorithmName?: string; TrainingInputMode: string };
  InputDataConfig?: ChannelView[];
  ResourceConfig: { InstanceType?: string; InstanceCount?: number; InstanceGroups?: unknown[] };
  StoppingCondition: { MaxRuntimeInSeconds?: number; MaxWaitTimeInSeconds?: number };
  EnableManagedSpotTraining?: boolean;
}

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** The first broken rule between members, as a message; undefined when there is none. */
export function crossMemberProblem(req: CreateRequestView): string | undefined {
  const algorithm = req.AlgorithmSpecification;
  if (isSet(algorithm.TrainingImage) === isSet(algorithm.AlgorithmName)) {
    return "AlgorithmSpecification must specify exactly one of TrainingImage or AlgorithmName.";
  }

  const rc = req.ResourceConfig;
  if (isSet(rc.InstanceGroups) && (isSet(rc.InstanceType) || isSet(rc.InstanceCount))) {
    return "ResourceConfig must specify either InstanceGroups or InstanceType and InstanceCount, not both.";
  }

  const stopping = req.StoppingCondition;
  const maxRuntime = stopping.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
  const maxWait = stopping.MaxWaitTimeInSeconds ?? undefined;
  if (req.EnableManagedSpotTraining === true) {
    if (maxWait === undefined || maxWait < maxRuntime) {
      return "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds";
    }
  } else if (maxWait !== undefined) {
    return "MaxWaitTimeInSeconds can be specified only for managed spot training (EnableManagedSpotTraining true).";
  }

  const seen = new Set<string>();
  for (const channel of req.InputDataConfig ?? []) {
    const name = channel.ChannelName;
    if (seen.has(name)) return `Channel names must be unique; '${name}' is used more than once.`;
    seen.add(name);

    const sources = [channel.DataSource.S3DataSource, channel.DataSource.FileSystemDataSource, channel.DataSource.DatasetSource];
    if (sources.filter(isSet).length !== 1) {
      return `The DataSource of channel '${name}' must specify exactly one of S3DataSource, FileSystemDataSource or DatasetSource.`;
    }

    const mode = channel.InputMode ?? algorithm.TrainingInputMode;
    if (channel.CompressionType === "Gzip" && mode !== "Pipe") {
      return `CompressionType Gzip is supported only in Pipe input mode; channel '${name}' uses ${mode} mode.`;
    }
  }
  return undefined;
}
