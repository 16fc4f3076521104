/**
 * CreateHyperParameterTuningJob requests as `optml tune` takes them: a tuning.json (the body that
 * `aws sagemaker create-hyper-parameter-tuning-job --cli-input-json` takes), with the conveniences
 * of `optml train` (job-request.ts) applied to its training job definition(s): `file://./` and
 * `file://../` URIs relative to the tuning.json's directory (in StaticHyperParameters'
 * JSON-encoded sagemaker_submit_directory too), a local code directory, `--output` for every
 * definition's S3OutputPath; and a generated name when the file gives none.
 *
 * Before it is sent, the request passes the AWS CLI's checks against botocore's model
 * (param-validation.ts), as a job.json does.
 */
import type { PyValue } from "@optml/contract";
import { TUNING_REQUEST_FILE } from "./cli-error.js";
import { localCodeDirOf } from "./code-dir.js";
import { checkRequest, jobFileNameBase, loadJobFile, locationUri, nameBase, type JobFile } from "./job-request.js";

/** A CreateHyperParameterTuningJob request body, as JSON; the control plane validates it. */
export type TuningRequest = Record<string, unknown>;

export const TUNING_OPERATION = "CreateHyperParameterTuningJob";

/** HyperParameterTuningJobName: `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`, at most 32 characters (botocore). */
export const TUNING_JOB_NAME_MAX = 32;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read a tuning.json: JSON with line and column on error, an object, relative file:// URIs resolved. */
export function loadTuningFile(file: string): JobFile {
  return loadJobFile(file, TUNING_REQUEST_FILE);
}

/** The request's training job definitions: TrainingJobDefinition and each of TrainingJobDefinitions (those that are objects). */
export function trainingDefinitions(request: TuningRequest): Record<string, unknown>[] {
  const many = Array.isArray(request.TrainingJobDefinitions) ? (request.TrainingJobDefinitions as unknown[]) : [];
  return [request.TrainingJobDefinition, ...many].filter(isRecord);
}

/** The request with every definition mapped by `change` (a new object; members of the wrong type are kept for the check to name). */
function mapDefinitions(request: TuningRequest, change: (definition: Record<string, unknown>) => Record<string, unknown>): TuningRequest {
  const req: TuningRequest = { ...request };
  if (isRecord(req.TrainingJobDefinition)) req.TrainingJobDefinition = change(req.TrainingJobDefinition);
  if (Array.isArray(req.TrainingJobDefinitions)) req.TrainingJobDefinitions = (req.TrainingJobDefinitions as unknown[]).map((d) => (isRecord(d) ? change(d) : d));
  return req;
}

export interface TuningOverrides {
  readonly name?: string | undefined;
  /** `--output`: every definition's OutputDataConfig.S3OutputPath. */
  readonly output?: string | undefined;
}

/** The request with the command line's overrides applied (a new object). Paths are relative to `cwd`. */
export function applyTuningOverrides(request: TuningRequest, overrides: TuningOverrides, cwd: string): TuningRequest {
  let req: TuningRequest = { ...request };
  if (overrides.name !== undefined) req.HyperParameterTuningJobName = overrides.name;
  const output = overrides.output;
  if (output !== undefined) {
    const uri = locationUri(output, cwd, false, `--output ${output}`);
    req = mapDefinitions(req, (d) => (d.OutputDataConfig !== undefined && !isRecord(d.OutputDataConfig) ? d : { ...d, OutputDataConfig: { ...(d.OutputDataConfig as object | undefined), S3OutputPath: uri } }));
  }
  return req;
}

/**
 * `<base>-<yymmdd-HHMMSS>` in UTC: the SageMaker Python SDK's tuning job names
 * (`name_from_base(base, max_length=32, short=True)`, which stamps the minute), to the second, so
 * that two runs in one minute do not collide; the base is cut so the name fits 32 characters.
 */
export function generatedTuningJobName(base: string, now: Date = new Date()): string {
  const iso = now.toISOString(); // 2024-01-31T23:59:59.999Z
  const stamp = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const cleaned = nameBase(base, TUNING_JOB_NAME_MAX - stamp.length - 1);
  return `${cleaned || "tuning"}-${stamp}`;
}

/**
 * Give the request its name: its HyperParameterTuningJobName (after `--name`), else (none, or "")
 * one generated from `base`. A name that is not a string is kept, for the check to name.
 */
export function nameTuningRequest(request: TuningRequest, base: string, now?: Date): TuningRequest {
  const given = request.HyperParameterTuningJobName;
  if (given !== undefined && typeof given !== "string") return request;
  return { ...request, HyperParameterTuningJobName: given !== undefined && given !== "" ? given : generatedTuningJobName(base, now) };
}

/** The base of a generated name for a tuning file: its directory's name for `tuning.json`, else its own. */
export function tuningFileNameBase(file: string): string {
  return jobFileNameBase(file, "tuning");
}

/** Refuse, as the AWS CLI does before sending, unknown members, wrong JSON types and missing required members (exit 2). */
export function checkTuningRequest(file: string, request: TuningRequest, written?: PyValue): void {
  checkRequest(TUNING_OPERATION, file, request, written);
}

/** The local code directories of the request's definitions, each once. */
export function localCodeDirs(request: TuningRequest): string[] {
  const dirs = trainingDefinitions(request).map((d) => localCodeDirOf(d.StaticHyperParameters));
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}
