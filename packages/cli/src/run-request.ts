/**
 * `optml run -- PROGRAM [ARGS...]`: a local program as a one-host script-mode job, the request the
 * SageMaker Python SDK would send for `Estimator(entry_point=..., source_dir=...)` on local paths.
 *
 * PROGRAM is a script file (train.py, train.ts, train.mjs, train.sh, ...), optionally after its
 * interpreter (`python train.py`, `node train.mjs`, `tsx train.ts`, `npx tsx train.ts`); the runner
 * picks the interpreter from the file's kind, as in SageMaker. ARGS must be `--name value` pairs:
 * they become hyperparameters, which is how SageMaker hands a script its arguments.
 */
import { statSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { RECORDED_ONLY_IMAGE, resolvePython } from "@optml/server";
import { usageError } from "./cli-error.js";
import { channelEntry, generatedJobName, locationUri, type JobRequest } from "./job-request.js";

export const RUN_ROLE_ARN = "arn:aws:iam::000000000000:role/optml-local";

export interface RunInput {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly sourceDir?: string | undefined;
  readonly name?: string | undefined;
  readonly hyperparameters?: readonly (readonly [string, string])[] | undefined;
  readonly channels?: readonly (readonly [string, string])[] | undefined;
  readonly output?: string | undefined;
  readonly instanceType?: string | undefined;
  readonly instanceCount?: number | undefined;
  readonly maxRuntimeSeconds?: number | undefined;
  readonly environment?: readonly (readonly [string, string])[] | undefined;
  readonly metrics?: readonly (readonly [string, string])[] | undefined;
  readonly now?: Date | undefined;
}

/** The Python a job runs, as `optml run` was asked for it. */
export interface RequestedPython {
  /** The interpreter typed before the script (a command name, or a path made absolute), else python3. */
  readonly requested: string;
  /** Whether it was typed (`python train.py`) rather than implied by a `.py` script. */
  readonly typed: boolean;
}

export interface ProgramPlan {
  /** The script's absolute path. */
  readonly script: string;
  /** The Python to resolve on this shell's PATH: for a Python interpreter or a `.py` script. */
  readonly python: RequestedPython | undefined;
  /** Arguments after the script. */
  readonly args: readonly string[];
}

const PYTHON = /^python(\d+(\.\d+)*)?$/;
const INTERPRETERS = new Set(["node", "tsx", "sh", "bash"]);

/** Which file is the entry point, from PROGRAM and ARGS. */
export function planProgram(program: string, args: readonly string[], cwd: string): ProgramPlan {
  let words = [program, ...args];
  let python: RequestedPython | undefined;
  if (words[0] === "npx" && words[1] === "tsx") words = words.slice(1);
  const first = basename(words[0]!);
  const isPython = PYTHON.test(first);
  if (isPython || INTERPRETERS.has(first)) {
    const script = words[1];
    if (script === undefined || script.startsWith("-")) {
      throw usageError(`optml run needs a script file after ${words[0]} (like '${words[0]} train.py'), got ${script === undefined ? "nothing" : `'${script}'`}`);
    }
    // The interpreter this shell would run: a name is looked up on PATH when the job is submitted.
    if (isPython) python = { requested: words[0]!.includes("/") ? resolve(cwd, words[0]!) : words[0]!, typed: true };
    words = words.slice(1);
  }
  const script = resolve(cwd, words[0]!);
  const info = statSync(script, { throwIfNoEntry: false });
  if (!info) throw usageError(`${words[0]}: no such file; optml run takes a script file (train.py, train.ts, ...), optionally after its interpreter`);
  if (!info.isFile()) throw usageError(`${words[0]}: not a file; optml run takes a script file (train.py, train.ts, ...)`);
  if (python === undefined && script.endsWith(".py")) python = { requested: "python3", typed: false };
  return { script, python, args: words.slice(1) };
}

/** `--name value` and `--name=value` pairs as hyperparameters, in order. */
export function argsAsHyperparameters(args: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([^=]+)(?:=([^]*))?$/.exec(arg);
    if (!m) {
      throw usageError(
        `optml run passes the program's arguments as hyperparameters, so they must be --name value pairs; got '${arg}'`,
      );
    }
    if (m[2] !== undefined) {
      pairs.push([m[1]!, m[2]]);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || /^--[^-]/.test(value)) {
      throw usageError(`--${m[1]} has no value: hyperparameters take one (write --${m[1]} true for a switch)`);
    }
    pairs.push([m[1]!, value]);
    i++;
  }
  return pairs;
}

function insideDir(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

export interface RunJob {
  readonly request: JobRequest;
  /** The code directory (sagemaker_submit_directory). */
  readonly sourceDir: string;
  /** Where the artifacts go, when that is a local directory. */
  readonly outputDir: string | undefined;
  /** The Python to resolve into the job's OPTML_PYTHON (see jobPython). */
  readonly python: RequestedPython | undefined;
}

/** The CreateTrainingJob request for `optml run`. */
export function buildRunRequest(input: RunInput): RunJob {
  const plan = planProgram(input.program, input.args, input.cwd);
  const sourceDir = input.sourceDir !== undefined ? resolve(input.cwd, input.sourceDir) : dirname(plan.script);
  if (input.sourceDir !== undefined) {
    const info = statSync(sourceDir, { throwIfNoEntry: false });
    if (!info?.isDirectory()) throw usageError(`--source-dir ${input.sourceDir}: ${sourceDir} is not a directory`);
    if (!insideDir(sourceDir, plan.script)) throw usageError(`--source-dir ${input.sourceDir}: the program ${plan.script} is not inside it`);
  }
  const entryPoint = relative(sourceDir, plan.script).split(sep).join("/");
  const name = input.name ?? generatedJobName(basename(plan.script).replace(/\.[^.]+$/, ""), input.now);
  const hyperparameters: Record<string, string> = {
    ...Object.fromEntries(argsAsHyperparameters(plan.args)),
    ...Object.fromEntries(input.hyperparameters ?? []),
    sagemaker_program: JSON.stringify(entryPoint),
    sagemaker_submit_directory: JSON.stringify(pathToFileURL(sourceDir).href),
    sagemaker_container_log_level: "20",
    sagemaker_job_name: JSON.stringify(name),
  };
  const environment = Object.fromEntries(input.environment ?? []);
  const output = locationUri(input.output ?? "optml-out", input.cwd, false, `--output ${input.output ?? "optml-out"}`);
  const channels = (input.channels ?? []).map(([channel, where]) => channelEntry(channel, locationUri(where, input.cwd, true, `--channel ${channel}=${where}`)));
  const metrics = (input.metrics ?? []).map(([Name, Regex]) => ({ Name, Regex }));
  const request = {
    TrainingJobName: name,
    AlgorithmSpecification: {
      TrainingImage: RECORDED_ONLY_IMAGE,
      TrainingInputMode: "File",
      ...(metrics.length ? { MetricDefinitions: metrics } : {}),
    },
    RoleArn: RUN_ROLE_ARN,
    HyperParameters: hyperparameters,
    ...(channels.length ? { InputDataConfig: channels } : {}),
    OutputDataConfig: { S3OutputPath: output },
    ResourceConfig: { InstanceType: input.instanceType ?? "ml.m5.large", InstanceCount: input.instanceCount ?? 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: input.maxRuntimeSeconds ?? 86_400 },
    ...(Object.keys(environment).length ? { Environment: environment } : {}),
  };
  return { request, sourceDir, outputDir: output.startsWith("file://") ? fileURLToPath(output) : undefined, python: plan.python };
}

/**
 * The request with the job's Python: the interpreter this shell resolves (`python` on its PATH, a
 * virtual environment's bin/python when one is active), as an absolute path in the job's
 * Environment OPTML_PYTHON, so that the job runs it whichever control plane runs the job. An
 * OPTML_PYTHON given with --env wins. A typed interpreter that does not run is refused; a `.py`
 * script without one, with no python3 here, is left to the control plane's default.
 */
export async function withJobPython(job: RunJob, path: string | undefined): Promise<JobRequest> {
  const environment = (job.request.Environment ?? {}) as Record<string, string>;
  if (job.python === undefined || environment.OPTML_PYTHON !== undefined) return job.request;
  const source = job.python.typed ? "the interpreter before the script" : "python3, for a .py script";
  const resolved = await resolvePython({ requested: job.python.requested, source }, path, {
    pathOwner: "this shell",
    fix: "give the interpreter as a path (optml run -- .venv/bin/python train.py), or --env OPTML_PYTHON=/path/to/python",
  });
  if ("problem" in resolved) {
    if (job.python.typed) throw usageError(resolved.problem);
    return job.request;
  }
  return { ...job.request, Environment: { OPTML_PYTHON: resolved.path, ...environment } };
}
