/**
 * The user program to launch: the framework module or the entry point, turned into a launch plan
 * with the facts of the code dir (setup.py present, the entry file there, a Node package
 * installed), and the entry file made executable when it runs as a command.
 */
import { chmod, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pyStr, type TrainingEnvironment } from "@optml/contract";
import {
  isModulePath,
  packageNameOf,
  parseFrameworkModule,
  planEntryPoint,
  planFrameworkModule,
  TypeScriptLoaderMissing,
  type Interpreters,
  type LaunchPlan,
} from "./entry-point.js";
import { entryPointMissing, entryPointNotFound, frameworkModuleInvalid, typescriptLoaderMissing } from "./errors.js";

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Whether `node_modules/<name>` is found from `dir` upwards, as Node's resolution looks. */
async function hasNodePackage(dir: string, name: string): Promise<boolean> {
  for (let current = dir; ; current = dirname(current)) {
    if (await exists(join(current, "node_modules", name, "package.json"))) return true;
    if (dirname(current) === current) return false;
  }
}

export interface ProgramInput {
  readonly trainingEnvironment: TrainingEnvironment;
  readonly cmdArgs: readonly string[];
  readonly codeDir: string;
  readonly interpreters: Interpreters;
}

export async function prepareProgram(input: ProgramInput): Promise<LaunchPlan> {
  const { trainingEnvironment: te, cmdArgs: args, codeDir, interpreters } = input;
  if (te.frameworkModule) {
    const framework = parseFrameworkModule(te.frameworkModule);
    if (framework === undefined) throw frameworkModuleInvalid(te.frameworkModule);
    const javascript =
      isModulePath(framework.module) ||
      framework.module.startsWith("@") ||
      (await hasNodePackage(codeDir, packageNameOf(framework.module)));
    try {
      return planFrameworkModule({ framework, language: javascript ? "javascript" : "python", args, interpreters });
    } catch (e) {
      if (e instanceof TypeScriptLoaderMissing) throw typescriptLoaderMissing(framework.module);
      throw e;
    }
  }
  const entry = te.userEntryPoint;
  if (entry === null || entry === "") throw entryPointMissing();
  const entryPoint = pyStr(entry);
  let plan: LaunchPlan;
  try {
    plan = planEntryPoint({ entryPoint, args, codeDirHasSetupPy: await exists(join(codeDir, "setup.py")), interpreters });
  } catch (e) {
    if (e instanceof TypeScriptLoaderMissing) throw typescriptLoaderMissing(entryPoint);
    throw e;
  }
  if (plan.entryFile !== undefined && !(await exists(resolve(codeDir, plan.entryFile)))) {
    throw entryPointNotFound(plan.entryFile, codeDir);
  }
  if (plan.makeExecutable !== undefined) {
    const file = resolve(codeDir, plan.makeExecutable);
    await chmod(file, (await stat(file)).mode | 0o111);
  }
  return plan;
}
