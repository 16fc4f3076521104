/**
 * The CLI's error catalogue and exit codes. An error meant for the person at the terminal is one
 * line on stderr saying what is wrong and what to do, and an exit code; never a stack trace.
 */

/**
 * Exit codes of every command. A command that follows a job exits with the code of how the job
 * ended: 0 Completed, 1 Failed, 3 Stopped (StopTrainingJob or MaxRuntimeInSeconds).
 */
export const EXIT = {
  /** The command did what was asked; a followed job ended Completed. */
  ok: 0,
  /** A followed job ended Failed, or the command failed (control plane unreachable, API error). */
  failed: 1,
  /** Bad usage or input refused before anything ran: unknown flag, bad job.json, ValidationException. */
  usage: 2,
  /** A followed job ended Stopped (by StopTrainingJob or its MaxRuntimeInSeconds). */
  stopped: 3,
  /** Interrupted by Ctrl-C while following a job. */
  interrupted: 130,
} as const;

/** The exit code a command's action leaves for runCli (errors carry their own). */
export interface Outcome {
  exitCode: number;
}

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** Parse a whole number >= 0 given to a flag, or fail naming the flag. */
export function wholeNumber(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new CliError(`${flag} takes a whole number >= 0, got '${value}'`, EXIT.usage);
    return Number(value);
  };
}

/** Collect a repeatable `KEY=VALUE` flag into a list of pairs, or fail naming the flag. */
export function keyValue(flag: string): (value: string, previous: [string, string][] | undefined) => [string, string][] {
  return (value, previous) => {
    const at = value.indexOf("=");
    if (at <= 0) throw new CliError(`${flag} takes KEY=VALUE, got '${value}'`, EXIT.usage);
    return [...(previous ?? []), [value.slice(0, at), value.slice(at + 1)]];
  };
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** What a request file holds, in the words of the errors about it. */
export interface RequestFileKind {
  /** "a CreateTrainingJob request" */
  readonly request: string;
  /** The AWS CLI command that takes the same file: "aws sagemaker create-training-job --cli-input-json". */
  readonly awsCli: string;
}

export const TRAINING_REQUEST_FILE: RequestFileKind = { request: "a CreateTrainingJob request", awsCli: "aws sagemaker create-training-job --cli-input-json" };
export const PROCESSING_REQUEST_FILE: RequestFileKind = { request: "a CreateProcessingJob request", awsCli: "aws sagemaker create-processing-job --cli-input-json" };
export const TUNING_REQUEST_FILE: RequestFileKind = {
  request: "a CreateHyperParameterTuningJob request",
  awsCli: "aws sagemaker create-hyper-parameter-tuning-job --cli-input-json",
};

export function jobFileUnreadable(file: string, reason: string, kind: RequestFileKind = TRAINING_REQUEST_FILE): CliError {
  return new CliError(`${file}: cannot read it (${reason}); give the path of ${kind.request} in JSON`, EXIT.usage);
}

export function jobFileInvalid(file: string, line: number, column: number, problem: string): CliError {
  return new CliError(`${file}: not valid JSON at line ${line}, column ${column}: ${problem}`, EXIT.usage);
}

export function jobFileNotObject(file: string, kind: RequestFileKind = TRAINING_REQUEST_FILE): CliError {
  return new CliError(`${file}: must hold a JSON object (${kind.request}, as ${kind.awsCli} takes)`, EXIT.usage);
}

export function pathMissing(label: string, path: string): CliError {
  return new CliError(`${label}: ${path} does not exist; give an existing directory or file (or an s3:// URI)`, EXIT.usage);
}

export function controlPlaneUnreachable(endpoint: string, reason: string): CliError {
  return new CliError(
    `cannot reach the optml control plane at ${endpoint} (${reason}): start it with 'optml serve', or leave out --endpoint and OPTML_ENDPOINT to run one inside this command`,
  );
}

/** An error the API answered, with its operation and AWS error code, for callers that act on the code. */
export class ApiCallError extends CliError {
  constructor(
    message: string,
    exitCode: number,
    readonly operation: string,
    readonly code: string,
  ) {
    super(message, exitCode);
  }
}

/** Whether `e` is the API's error `code` (e.g. "ResourceNotFound"), whatever its message. */
export function isApiErrorCode(e: unknown, code: string): e is ApiCallError {
  return e instanceof ApiCallError && e.code === code;
}

/** The operations whose request the CLI builds from the user's file and flags. */
const CREATE_OPERATIONS: ReadonlySet<string> = new Set(["CreateTrainingJob", "CreateHyperParameterTuningJob", "CreateProcessingJob"]);

/**
 * An error answered by the SageMaker or CloudWatch Logs API, in AWS's words:
 * `CreateTrainingJob: ValidationException: 1 validation error detected: ...`.
 * Validation errors of a request we built from the user's input are bad input (exit 2).
 */
export function apiError(operation: string, code: string, message: string, hint?: string): ApiCallError {
  const oneLine = message.replace(/\s*\n\s*/g, " ").trim();
  const exitCode = code === "ValidationException" && CREATE_OPERATIONS.has(operation) ? EXIT.usage : EXIT.failed;
  return new ApiCallError(`${operation}: ${code}: ${oneLine}${hint ? ` (${hint})` : ""}`, exitCode, operation, code);
}

/** A name that names no job of the kind looked for. */
export class NoSuchJobError extends CliError {
  constructor(
    message: string,
    readonly kind: "training" | "tuning" | "processing" | "any",
  ) {
    super(message);
  }
}

export function noSuchJob(name: string): NoSuchJobError {
  return new NoSuchJobError(`no training job named '${name}' in this control plane; list them with 'optml jobs'`, "training");
}

export function noSuchTuningJob(name: string): NoSuchJobError {
  return new NoSuchJobError(`no tuning job named '${name}' in this control plane; list them with 'optml jobs'`, "tuning");
}

export function noSuchProcessingJob(name: string): NoSuchJobError {
  return new NoSuchJobError(`no processing job named '${name}' in this control plane; list them with 'optml jobs'`, "processing");
}

/** describe and stop: the name is no training job's, tuning job's or processing job's. */
export function noSuchJobOrTuningJob(name: string): NoSuchJobError {
  return new NoSuchJobError(`no training job, tuning job or processing job named '${name}' in this control plane; list them with 'optml jobs'`, "any");
}

/**
 * A job.json that the AWS CLI would refuse before sending it: its "Parameter validation failed:"
 * report, one problem a line.
 */
export function parametersInvalid(file: string, lines: readonly string[]): CliError {
  return new CliError(`${file}: Parameter validation failed:\n${lines.join("\n")}`, EXIT.usage);
}

export function jobStillRunning(name: string, status: string): CliError {
  return new CliError(`${name} is ${status}: stop it first ('optml stop ${name} --wait'), then remove it`);
}
