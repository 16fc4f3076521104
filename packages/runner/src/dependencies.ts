/**
 * Dependencies of the code in `<base>/code`, installed before launch with their output streamed:
 * a `setup.py` package -> `python -m pip install . [-r requirements.txt]` (as the reference);
 * `requirements.txt` alone -> `python -m pip install -r requirements.txt`; a `package.json` with
 * dependencies -> `npm ci` when a lock file is there, else `npm install`.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
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
}

export interface InstallTools {
  readonly python: string;
  readonly npm: string;
}

const NPM_QUIET = ["--no-audit", "--no-fund"];

export function planInstalls(facts: DependencyFacts, tools: InstallTools): InstallStep[] {
  const steps: InstallStep[] = [];
  const requirements = facts.requirementsTxt ? ["-r", "requirements.txt"] : [];
  if (facts.setupPy) {
    steps.push({ errorClass: "InstallModuleError", command: tools.python, args: ["-m", "pip", "install", ".", ...requirements] });
  } else if (facts.requirementsTxt) {
    steps.push({ errorClass: "InstallRequirementsError", command: tools.python, args: ["-m", "pip", "install", ...requirements] });
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
