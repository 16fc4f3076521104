/**
 * The job's Python, as the runner names it in its first log line and keys its virtual
 * environments by: the path it was given, the file that path ends at, and its version, all
 * asked of the interpreter itself (a command name is looked up on PATH first, as a shell does).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pythonUnusable } from "./errors.js";

const run = promisify(execFile);

export interface PythonFacts {
  /** The path jobs run (OPTML_PYTHON, or python3 found on PATH). */
  readonly path: string;
  /** The file it ends at once every link is followed: the same interpreter has the same real path. */
  readonly realPath: string;
  /** `sys.version.split()[0]`, e.g. 3.11.7. */
  readonly version: string;
  /** `sys.prefix`: a virtual environment's own dir, else the installation's. */
  readonly prefix: string;
  /** Its own site-packages dirs when it is a virtual environment's Python; else empty (the system ones). */
  readonly venvSitePackages: readonly string[];
  /** Whether it has pip (a virtual environment made from it then needs none of its own). */
  readonly hasPip: boolean;
}

const PROBE = [
  "import importlib.util, json, os, site, sys",
  "venv = sys.prefix != sys.base_prefix",
  "pip = importlib.util.find_spec('pip') is not None",
  "print(json.dumps([sys.version.split()[0], os.path.realpath(sys.executable), sys.prefix, site.getsitepackages() if venv else [], pip]))",
].join("\n");

/** How long an interpreter may take to say its version. */
const PROBE_TIMEOUT_MS = 30_000;

/** Ask the interpreter for its facts; a RunnerError naming it when it cannot run. */
export async function probePython(path: string, env: Readonly<Record<string, string>>): Promise<PythonFacts> {
  try {
    const { stdout } = await run(path, ["-c", PROBE], { env, timeout: PROBE_TIMEOUT_MS, encoding: "utf8" });
    let facts: [string, string, string, string[], boolean];
    try {
      facts = JSON.parse(stdout.trim().split("\n").pop() ?? "") as typeof facts;
    } catch {
      throw new Error(`it printed ${JSON.stringify(stdout)} when asked for its version`);
    }
    const [version, realPath, prefix, venvSitePackages, hasPip] = facts;
    return { path, realPath, version, prefix, venvSitePackages, hasPip };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const cause = err.code === "ENOENT" ? "no such file" : err.stderr?.trim() || err.message;
    throw pythonUnusable(path, cause);
  }
}

/** The runner's log line that names the interpreter. */
export function pythonLogLine(python: PythonFacts): string {
  return `python: ${python.path} ${python.version}`;
}
