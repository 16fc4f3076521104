/**
 * Dependencies of the code in `<base>/code`, installed before launch with their output streamed.
 *
 * Python, in the reference's way (the runner standalone in an image, OPTML_VENVS unset): a
 * `setup.py` package -> `python -m pip install . [-r requirements.txt]`; `requirements.txt` alone
 * -> `python -m pip install -r requirements.txt`, both into the job's Python itself.
 *
 * Python under a control plane (OPTML_VENVS set): requirements.txt goes into a virtual environment
 * shared by the jobs with the same requirements and interpreter (requirements-venv.ts), and a
 * `setup.py` package -> `<venv python> -m pip install --prefix <per-job dir> .`: the job's own code
 * changes from job to job, so it never goes into the shared environment.
 *
 * Every pip run fails fast when no index answers (`--retries 1 --timeout 5`, unless the job sets
 * PIP_RETRIES / PIP_TIMEOUT). A `package.json` with dependencies -> `npm ci` when a lock file is
 * there, else `npm install`.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessEnv } from "@optml/contract";
import type { ProcessErrorClass } from "./failure.js";

export interface DependencyFacts {
  readonly setupPy: boolean;
  readonly requirementsTxt: boolean;
  /** Whether package.json declares any dependencies (of any kind). */
  readonly packageJsonDependencies: boolean;
  /** package-lock.json or npm-shrinkwrap.json. */
  readonly npmLockFile: boolean;
}

export interface InstallStep {
  readonly errorClass: ProcessErrorClass;
  readonly command: string;
  readonly args: readonly string[];
  /** What pip installs, for the failure message ("requirements.txt", "the package in the code dir"). */
  readonly pip?: string;
  /** What the failure file's ErrorMessage says for this step, from the end of its stderr. */
  readonly failureMessage?: (stderr: string) => string;
}

export interface InstallTools {
  /** The Python pip runs in: the job's, or the requirements venv's. */
  readonly python: string;
  readonly npm: string;
  /** The job's environment (PIP_RETRIES / PIP_TIMEOUT). */
  readonly env: ProcessEnv;
  /**
   * Set when requirements.txt is in a virtual environment already (OPTML_VENVS): the dir a
   * `setup.py` package is installed under for this job only.
   */
  readonly packagePrefix?: string;
}

const NPM_QUIET = ["--no-audit", "--no-fund"];

/** pip's network options: one retry and a 5 s timeout, so that an unreachable index fails in seconds. */
export function pipNetworkOptions(env: ProcessEnv): string[] {
  return [...(env.PIP_RETRIES ? [] : ["--retries", "1"]), ...(env.PIP_TIMEOUT ? [] : ["--timeout", "5"])];
}

export function pipInstallRequirements(python: string, env: ProcessEnv): InstallStep {
  return {
    errorClass: "InstallRequirementsError",
    command: python,
    args: ["-m", "pip", "install", ...pipNetworkOptions(env), "-r", "requirements.txt"],
    pip: "requirements.txt",
  };
}

export function planInstalls(facts: DependencyFacts, tools: InstallTools): InstallStep[] {
  const steps: InstallStep[] = [];
  const pip = [tools.python, ["-m", "pip", "install", ...pipNetworkOptions(tools.env)]] as const;
  if (tools.packagePrefix !== undefined) {
    if (facts.setupPy) {
      const args = [...pip[1], "--prefix", tools.packagePrefix, "."];
      steps.push({ errorClass: "InstallModuleError", command: pip[0], args, pip: "the package in the code dir" });
    }
  } else if (facts.setupPy) {
    const requirements = facts.requirementsTxt ? ["-r", "requirements.txt"] : [];
    const what = facts.requirementsTxt ? "the package in the code dir and requirements.txt" : "the package in the code dir";
    steps.push({ errorClass: "InstallModuleError", command: pip[0], args: [...pip[1], ".", ...requirements], pip: what });
  } else if (facts.requirementsTxt) {
    steps.push(pipInstallRequirements(tools.python, tools.env));
  }
  if (facts.packageJsonDependencies) {
    steps.push({
      errorClass: "InstallNodeModulesError",
      command: tools.npm,
      args: [facts.npmLockFile ? "ci" : "install", ...NPM_QUIET],
    });
  }
  return steps;
}

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"];

/** Whether a package.json text declares dependencies; a malformed file counts as none (npm will say). */
export function declaresDependencies(packageJson: string): boolean {
  try {
    const manifest: unknown = JSON.parse(packageJson);
    if (typeof manifest !== "object" || manifest === null) return false;
    return DEPENDENCY_FIELDS.some((field) => {
      const deps = (manifest as Record<string, unknown>)[field];
      return typeof deps === "object" && deps !== null && Object.keys(deps).length > 0;
    });
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

export async function readDependencyFacts(codeDir: string): Promise<DependencyFacts> {
  const at = (name: string) => join(codeDir, name);
  const packageJson = await readFile(at("package.json"), "utf8").catch(() => undefined);
  const [setupPy, requirementsTxt, lock, shrinkwrap] = await Promise.all([
    isFile(at("setup.py")),
    isFile(at("requirements.txt")),
    isFile(at("package-lock.json")),
    isFile(at("npm-shrinkwrap.json")),
  ]);
  return {
    setupPy,
    requirementsTxt,
    packageJsonDependencies: packageJson !== undefined && declaresDependencies(packageJson),
    npmLockFile: lock || shrinkwrap,
  };
}
