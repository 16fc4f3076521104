/**
 * Where a job's file:// inputs and outputs may be (`optml serve --allow-path DIR`, repeatable):
 * with no directory given (the default) anywhere this process can read and write; with some, a
 * CreateTrainingJob whose channels, code (`sagemaker_submit_directory`), checkpoint location or
 * S3OutputPath names a local path outside every one of them is refused with a ValidationException
 * naming the member and the allowed directories. S3 locations are not limited.
 *
 * Paths are compared after `.`/`..` are resolved and symbolic links followed as far as the path
 * exists, so neither `/allowed/../etc` nor a link inside an allowed directory leads out of it.
 */
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { LocationError, parseLocation } from "../data/location.js";
import type { CreateProcessingJobRequest } from "../sagemaker/processing-request.js";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";

/** `path` with symbolic links resolved as far as it exists (the rest, not yet made, appended as it is). */
export async function resolveExisting(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    if (parent === absolute) return absolute;
    return join(await resolveExisting(parent), basename(absolute));
  }
}

/** The allowed directories, made absolute and with links resolved (once, when the control plane starts). */
export async function resolveAllowedPaths(dirs: readonly string[]): Promise<string[]> {
  return Promise.all(dirs.map((d) => resolveExisting(d)));
}

/** Whether `path` is `dir` or lies inside it (both absolute and resolved). */
export function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The local path of a sagemaker_submit_directory value as the runner reads it; undefined for S3 and other remote schemes. */
function submitDirectoryPath(value: string): string | undefined {
  let text = value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === "string") text = parsed;
  } catch {
    // The SDK JSON-encodes it; a bare string is taken as it is, as the runner does.
  }
  if (text.startsWith("file:")) {
    try {
      return fileURLToPath(text);
    } catch {
      return text; // unreadable as a URL: the runner refuses it; here it is a path outside everything.
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return undefined;
  return text;
}

/** Each member of the request that names a local path, with the path. */
export function localPaths(req: CreateTrainingJobRequest): { member: string; uri: string; path: string }[] {
  const uris: [string, string][] = [["OutputDataConfig.S3OutputPath", req.OutputDataConfig.S3OutputPath]];
  for (const [i, ch] of (req.InputDataConfig ?? []).entries()) {
    const uri = ch.DataSource.S3DataSource?.S3Uri;
    if (uri !== undefined) uris.push([`InputDataConfig.${i + 1}.member (channel '${ch.ChannelName}').DataSource.S3DataSource.S3Uri`, uri]);
  }
  if (req.CheckpointConfig) uris.push(["CheckpointConfig.S3Uri", req.CheckpointConfig.S3Uri]);
  const found = fileUris(uris);
  const submit = req.HyperParameters?.sagemaker_submit_directory;
  if (submit !== undefined) {
    const path = submitDirectoryPath(submit);
    if (path !== undefined) found.push({ member: "HyperParameters.sagemaker_submit_directory", uri: submit, path });
  }
  return found;
}

/** Each member of a CreateProcessingJob request that names a local path (its inputs' and outputs' S3Uri), with the path. */
export function processingLocalPaths(req: CreateProcessingJobRequest): { member: string; uri: string; path: string }[] {
  const uris: [string, string][] = [];
  for (const [i, input] of (req.ProcessingInputs ?? []).entries()) {
    if (input.S3Input) uris.push([`ProcessingInputs.${i + 1}.member (input '${input.InputName}').S3Input.S3Uri`, input.S3Input.S3Uri]);
  }
  for (const [i, output] of (req.ProcessingOutputConfig?.Outputs ?? []).entries()) {
    if (output.S3Output) uris.push([`ProcessingOutputConfig.Outputs.${i + 1}.member (output '${output.OutputName}').S3Output.S3Uri`, output.S3Output.S3Uri]);
  }
  return fileUris(uris);
}

/** The `file://` ones of (member, URI) pairs, with their paths. */
function fileUris(uris: readonly [string, string][]): { member: string; uri: string; path: string }[] {
  const found: { member: string; uri: string; path: string }[] = [];
  for (const [member, uri] of uris) {
    try {
      const location = parseLocation(uri);
      if (location.kind === "file") found.push({ member, uri, path: location.path });
    } catch (e) {
      if (!(e instanceof LocationError)) throw e; // admission reports it
    }
  }
  return found;
}

/**
 * Problems, in AWS's "member: problem" style, for each local path of the request outside every
 * allowed directory (`allowed` as resolveAllowedPaths gives them); none when `allowed` is empty.
 */
export async function allowedPathProblems(req: CreateTrainingJobRequest, allowed: readonly string[]): Promise<string[]> {
  return outsideAllowedPaths(localPaths(req), allowed);
}

/** allowedPathProblems for the local paths of a request of any kind. */
export async function outsideAllowedPaths(paths: readonly { member: string; uri: string; path: string }[], allowed: readonly string[]): Promise<string[]> {
  if (allowed.length === 0) return [];
  const problems: string[] = [];
  const list = allowed.join(", ");
  for (const { member, uri, path } of paths) {
    if (!posix.isAbsolute(path)) {
      problems.push(`${member} ${JSON.stringify(uri)}: a local path must be absolute when this control plane limits local paths (optml serve --allow-path: ${list})`);
      continue;
    }
    const resolved = await resolveExisting(path);
    if (allowed.some((dir) => isWithin(dir, resolved))) continue;
    const shown = resolved === path ? path : `${path} (${resolved})`;
    problems.push(
      `${member} ${JSON.stringify(uri)}: ${shown} is outside the directories this control plane allows for local data and code (optml serve --allow-path): ${list}; ` +
        `use a path inside one of them, or an s3:// URI`,
    );
  }
  return problems;
}
