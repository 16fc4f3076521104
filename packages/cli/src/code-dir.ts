/**
 * The job's local code directory (sagemaker_submit_directory as a file:// directory), seen from the
 * CLI before it submits: how big what goes into the job is (a warning above 100 MiB, saying what is
 * big and how to leave it out), and, for `optml run`, a copy without what must stay out. What
 * stays out is @optml/runner's one rule (code-copy.ts): .git, .venv, venv, __pycache__,
 * node_modules, optml-out, and what the directory's .optmlignore lists.
 */
import { statSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { codeFilter, copyCode, largeCodeWarning, measureCode } from "@optml/runner";
import type { JobRequest } from "./job-request.js";

/** The request's code directory, when it is a local directory. */
export function localCodeDir(request: JobRequest): string | undefined {
  return localCodeDirOf(request.HyperParameters);
}

/**
 * The code directory that hyperparameters name (sagemaker_submit_directory), when it is a local
 * directory: a training job's HyperParameters, a tuning job definition's StaticHyperParameters.
 */
export function localCodeDirOf(hyperParameters: unknown): string | undefined {
  const given = (hyperParameters as Record<string, unknown> | undefined)?.sagemaker_submit_directory;
  if (typeof given !== "string") return undefined;
  let uri: unknown = given;
  try {
    uri = JSON.parse(given);
  } catch {
    // SageMaker's SDK JSON-encodes it; a plain string is taken as it is.
  }
  if (typeof uri !== "string" || !uri.startsWith("file:")) return undefined;
  try {
    const dir = fileURLToPath(uri);
    return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The warning for a code directory above 100 MiB, or undefined. */
export async function codeSizeWarning(dir: string, extra: readonly string[] = []): Promise<string | undefined> {
  return largeCodeWarning(dir, await measureCode(dir, await codeFilter(dir, extra)));
}

function inside(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel) ? rel.split(sep).join("/") : undefined;
}

/**
 * Patterns (anchored at `sourceDir`) for the directories in `excluded` that lie inside it: the
 * artifacts and optml's state, so that each job does not carry the output of the jobs before it.
 */
export function excludedInside(sourceDir: string, excluded: readonly string[]): string[] {
  return excluded.flatMap((dir) => {
    const rel = inside(sourceDir, dir);
    return rel === undefined ? [] : [`/${rel}/`];
  });
}

/**
 * When `extra` patterns must stay out of the job (the runner knows only the directory's own rule),
 * a copy of `sourceDir` at `into` without them and without what the rule leaves out. Undefined when
 * no copy is needed.
 */
export async function codeWithout(sourceDir: string, extra: readonly string[], into: string): Promise<string | undefined> {
  const filter = await codeFilter(sourceDir);
  // Already left out by the rule (./optml-out): no copy needed for it.
  const needed = extra.filter((pattern) => !filter(pattern.replace(/^\/|\/$/g, ""), true));
  if (needed.length === 0) return undefined;
  await copyCode(sourceDir, into, await codeFilter(sourceDir, needed));
  return into;
}
