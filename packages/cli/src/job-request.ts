/**
 * CreateTrainingJob requests as the CLI takes them: a job.json file (the body that
 * `aws sagemaker create-training-job --cli-input-json` takes), the command line's overrides, the
 * generated job name, and locations given as local paths.
 *
 * CLI convenience, not part of the API: in a job.json, a `file://./...` or `file://../...` URI is
 * relative to the job.json's directory and becomes an absolute `file:///...` URI before the request
 * is sent (also inside a JSON-encoded hyperparameter such as sagemaker_submit_directory).
 *
 * Before it is sent, the request (the file with the overrides and the generated name) passes the
 * checks the AWS CLI makes (param-validation.ts): no unknown member, no wrong JSON type, no missing
 * required member, at any depth.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tryLoads, type PyValue } from "@optml/contract";
import { SAGEMAKER_MODEL } from "@optml/server";
import { EXIT, CliError, jobFileInvalid, jobFileNotObject, jobFileUnreadable, parametersInvalid, pathMissing, TRAINING_REQUEST_FILE, usageError, type RequestFileKind } from "./cli-error.js";
import { parseJsonText } from "./json-text.js";
import { problemLine, pythonView, validateParameters } from "./param-validation.js";

/** A CreateTrainingJob request body, as JSON; the control plane validates it. */
export type JobRequest = Record<string, unknown>;

const RELATIVE_FILE_URI = /^file:\/\/\.\.?\//;

/** `file://./x` or `file://../x` -> `file:///<baseDir>/x`; anything else unchanged. */
export function resolveFileUri(uri: string, baseDir: string): string {
  if (!RELATIVE_FILE_URI.test(uri)) return uri;
  return pathToFileURL(resolve(baseDir, uri.slice("file://".length))).href;
}

/** Every relative file:// URI in a request, resolved against `baseDir` (a new value; the input is not changed). */
export function resolveRelativeFileUris(value: unknown, baseDir: string): unknown {
  if (typeof value === "string") {
    if (RELATIVE_FILE_URI.test(value)) return resolveFileUri(value, baseDir);
    // A JSON-encoded string, as script-mode hyperparameters are: "\"file://./src\"".
    if (value.startsWith('"file://.')) {
      try {
        const decoded: unknown = JSON.parse(value);
        if (typeof decoded === "string" && RELATIVE_FILE_URI.test(decoded)) return JSON.stringify(resolveFileUri(decoded, baseDir));
      } catch {
        return value;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRelativeFileUris(v, baseDir));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRelativeFileUris(v, baseDir)]));
  }
  return value;
}

/** Read a job.json: JSON with line and column on error, an object, relative file:// URIs resolved. */
export function readJobFile(file: string): JobRequest {
  return loadJobFile(file).request;
}

export interface JobFile {
  readonly request: JobRequest;
  /** The file as Python's json.loads reads it (ints and floats apart), for checkJobRequest. */
  readonly written: PyValue | undefined;
}

/** readJobFile, and the file as Python reads it. `kind` words the errors (a tuning.json is read the same way). */
export function loadJobFile(file: string, kind: RequestFileKind = TRAINING_REQUEST_FILE): JobFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw jobFileUnreadable(file, code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message, kind);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw jobFileInvalid(file, parsed.line, parsed.column, parsed.problem);
  const value = parsed.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw jobFileNotObject(file, kind);
  const request = resolveRelativeFileUris(value, dirname(resolve(file))) as JobRequest;
  return { request, written: tryLoads(text.startsWith("\uFEFF") ? text.slice(1) : text) };
}

/**
 * Refuse, as the AWS CLI does before sending, a request with unknown members, wrong JSON types or
 * missing required members (every problem at once, exit 2). `written` is the job file as Python
 * reads it, so that `2.0` is a float where an integer is due.
 */
export function checkJobRequest(file: string, request: JobRequest, written?: PyValue): void {
  checkRequest("CreateTrainingJob", file, request, written);
}

/** checkJobRequest for the input of any operation in the generated SageMaker model. */
export function checkRequest(operation: string, file: string, request: Record<string, unknown>, written?: PyValue): void {
  const problems = validateParameters(SAGEMAKER_MODEL, operation, pythonView(request, written));
  if (problems.length > 0) throw parametersInvalid(file, problems.map(problemLine));
}

const NAME_TIME_LENGTH = "-2024-01-31-23-59-59-999".length;

/** `base` with the characters a name cannot hold as `-`, cut to `length`; "" when nothing is left. */
export function nameBase(base: string, length: number): string {
  return base
    .replace(/[^a-zA-Z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, length)
    .replace(/-+$/, "");
}

/**
 * `<base>-<yyyy-mm-dd-HH-MM-SS-mmm>` in UTC, as the SageMaker Python SDK names jobs; the base is
 * cut to what the name's pattern and 63 characters allow.
 */
export function generatedJobName(base: string, now: Date = new Date()): string {
  const cleaned = nameBase(base, 63 - NAME_TIME_LENGTH);
  const iso = now.toISOString(); // 2024-01-31T23:59:59.999Z
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  return `${cleaned || "optml-job"}-${stamp}`;
}

/**
 * The base of a generated name for a job file: its directory's name for `job.json` (`generic`:
 * `tuning` for a tuning.json), else its own.
 */
export function jobFileNameBase(file: string, generic = "job"): string {
  const name = basename(file).replace(/\.json$/i, "");
  return name === generic ? basename(dirname(resolve(file))) : name;
}

/**
 * A location given on the command line (`label` names it in errors, e.g. "--channel train=./data"): an `s3://` (or `https://`) URI as it is; a `file://` URI or
 * a path (relative to `cwd`) as an absolute `file:///` URI, which must exist when `mustExist`.
 */
export function locationUri(given: string, cwd: string, mustExist: boolean, label: string): string {
  if (/^(s3|https):\/\//.test(given)) return given;
  let path: string;
  if (given.startsWith("file://")) {
    if (RELATIVE_FILE_URI.test(given)) path = resolve(cwd, given.slice("file://".length));
    else {
      try {
        path = fileURLToPath(given);
      } catch {
        throw usageError(`${label}: not a file:// URI this machine can open; write file:///absolute/path, or just the path`);
      }
    }
  } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(given)) {
    throw usageError(`${label}: give a local path, a file:// URI or an s3:// URI`);
  } else {
    path = resolve(cwd, given);
  }
  if (mustExist && !existsSync(path)) throw pathMissing(label, path);
  return pathToFileURL(path).href;
}

export interface Overrides {
  readonly name?: string | undefined;
  /** `--hp key=value`, in order; a later one wins. */
  readonly hyperparameters?: readonly (readonly [string, string])[] | undefined;
  /** `--channel name=path-or-uri`. */
  readonly channels?: readonly (readonly [string, string])[] | undefined;
  readonly output?: string | undefined;
  readonly instanceCount?: number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A member the file gives with the wrong JSON type: kept as written, for checkJobRequest to name. */
function wrongType(value: unknown, isRight: (v: unknown) => boolean): boolean {
  return value !== undefined && !isRight(value);
}

/** The request with the command line's overrides applied (a new object). Paths are relative to `cwd`. */
export function applyOverrides(request: JobRequest, overrides: Overrides, cwd: string): JobRequest {
  const req: JobRequest = { ...request };
  if (overrides.name !== undefined) req.TrainingJobName = overrides.name;
  if (overrides.hyperparameters?.length && !wrongType(req.HyperParameters, isRecord)) {
    req.HyperParameters = { ...record(req.HyperParameters), ...Object.fromEntries(overrides.hyperparameters) };
  }
  if (overrides.channels?.length && !wrongType(req.InputDataConfig, Array.isArray)) {
    const channels = Array.isArray(req.InputDataConfig) ? [...(req.InputDataConfig as unknown[])] : [];
    for (const [name, where] of overrides.channels) {
      const uri = locationUri(where, cwd, true, `--channel ${name}=${where}`);
      const at = channels.findIndex((c) => record(c).ChannelName === name);
      if (at >= 0) {
        const existing = record(channels[at]);
        const s3 = record(record(existing.DataSource).S3DataSource);
        channels[at] = { ...existing, DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3DataDistributionType: "FullyReplicated", ...s3, S3Uri: uri } } };
      } else {
        channels.push(channelEntry(name, uri));
      }
    }
    req.InputDataConfig = channels;
  }
  if (overrides.output !== undefined && !wrongType(req.OutputDataConfig, isRecord)) {
    req.OutputDataConfig = { ...record(req.OutputDataConfig), S3OutputPath: locationUri(overrides.output, cwd, false, `--output ${overrides.output}`) };
  }
  if (overrides.instanceCount !== undefined && !wrongType(req.ResourceConfig, isRecord)) {
    req.ResourceConfig = { ...record(req.ResourceConfig), InstanceCount: overrides.instanceCount };
  }
  return req;
}

export function channelEntry(name: string, uri: string): Record<string, unknown> {
  return { ChannelName: name, DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" } } };
}

/**
 * Give the request its name: `--name`, else its TrainingJobName, else (none, or "") one generated
 * from `base`. A TrainingJobName that is not a string is kept, for checkJobRequest to name.
 * A `sagemaker_job_name` hyperparameter, which the SageMaker Python SDK sets to the job's name, is
 * kept equal to it.
 */
export function nameRequest(request: JobRequest, base: string, now?: Date): JobRequest {
  const given = request.TrainingJobName;
  if (given !== undefined && typeof given !== "string") return request;
  const name = given !== undefined && given !== "" ? given : generatedJobName(base, now);
  const hps = record(request.HyperParameters);
  return {
    ...request,
    TrainingJobName: name,
    ...(hps.sagemaker_job_name !== undefined ? { HyperParameters: { ...hps, sagemaker_job_name: JSON.stringify(name) } } : {}),
  };
}

/** `name=value` pairs of a repeatable flag that must not repeat a name. */
export function uniqueNames(flag: string, pairs: readonly (readonly [string, string])[]): void {
  const seen = new Set<string>();
  for (const [name] of pairs) {
    if (seen.has(name)) throw new CliError(`${flag} ${name}= is given twice; give each name once`, EXIT.usage);
    seen.add(name);
  }
}
