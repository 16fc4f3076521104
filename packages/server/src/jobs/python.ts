/**
 * The Python a job runs, chosen one way: the job's Environment `OPTML_PYTHON`, else the control
 * plane's (`optml serve --python`, else its own `OPTML_PYTHON`), else `python3` on the control
 * plane's PATH. Resolved once, when the job is created, to an absolute path and a version, stored
 * with the job and shown by DescribeTrainingJob (`OptmlPython`). A command name is looked up on
 * PATH and then pinned to the interpreter it starts (`sys.executable`: a pyenv shim becomes the
 * Python it picks now); a path is kept as given (a virtual environment's `bin/python` stays in
 * the environment). Docker jobs run their image's Python and have none of this.
 */
import { execFile } from "node:child_process";
import { access, constants, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface JobPython {
  /** The interpreter's absolute path. */
  readonly path: string;
  /** `sys.version.split()[0]`, e.g. 3.11.7. */
  readonly version: string;
}

export interface PythonChoice {
  /** A command name (python3) or an absolute path. */
  readonly requested: string;
  /** Where it came from, for messages: "the job's Environment OPTML_PYTHON", ... */
  readonly source: string;
}

/** Which Python a job asks for, by the precedence above. */
export function choosePython(environment: Readonly<Record<string, string>> | undefined, controlPlanePython: string | undefined): PythonChoice {
  const own = environment?.OPTML_PYTHON;
  if (own) return { requested: own, source: "the job's Environment OPTML_PYTHON" };
  if (controlPlanePython) return { requested: controlPlanePython, source: "the control plane's Python (optml serve --python / OPTML_PYTHON)" };
  return { requested: "python3", source: "the default python3" };
}

const PROBE = "import sys; print(sys.version.split()[0]); print(sys.executable)";
const PROBE_TIMEOUT_MS = 15_000;

async function onPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if ((await stat(candidate).catch(() => undefined))?.isFile() && (await access(candidate, constants.X_OK).then(() => true, () => false))) return candidate;
  }
  return undefined;
}

/**
 * The interpreter for a choice, or a problem that names it and says what to do. `path` is the PATH
 * a command name is looked up on (the control plane's; the CLI's for `optml run`).
 */
export async function resolvePython(
  choice: PythonChoice,
  path: string | undefined,
  words: { readonly pathOwner: string; readonly fix: string } = {
    pathOwner: "the control plane",
    fix: "set OPTML_PYTHON (in the job's Environment, or optml serve --python) to a Python interpreter on this machine",
  },
): Promise<JobPython | { readonly problem: string }> {
  const { requested, source } = choice;
  const { fix } = words;
  const named = !requested.includes("/");
  let file: string;
  if (named) {
    const found = await onPath(requested, path);
    if (found === undefined) return { problem: `${requested} (${source}) is not found on the PATH of ${words.pathOwner} (${path ?? ""}): ${fix}` };
    file = found;
  } else if (!isAbsolute(requested)) {
    return { problem: `${requested} (${source}) is a relative path: give an absolute path or a command name on PATH` };
  } else {
    file = requested;
    const info = await stat(file).catch(() => undefined);
    if (info === undefined) return { problem: `${file} (${source}) does not exist: ${fix}` };
    if (!info.isFile() || !(await access(file, constants.X_OK).then(() => true, () => false))) {
      return { problem: `${file} (${source}) is not an executable file: ${fix}` };
    }
  }
  try {
    const { stdout } = await run(file, ["-c", PROBE], { timeout: PROBE_TIMEOUT_MS, encoding: "utf8", env: { ...process.env, PATH: path ?? "" } });
    const [version, executable] = stdout.trim().split("\n").slice(-2);
    if (!version || !/^\d+\.\d+/.test(version)) throw new Error(`it printed ${JSON.stringify(stdout)} when asked for its version`);
    return { path: named && executable && isAbsolute(executable) ? executable : file, version };
  } catch (e) {
    const err = e as Error & { stderr?: string };
    const cause = err.stderr?.trim().split("\n").pop() || err.message;
    return { problem: `${file} (${source}) does not run as Python: ${cause}: ${fix}` };
  }
}
