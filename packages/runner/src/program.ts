/**
 * The user program to launch: the framework module or the entry point, turned into a launch plan
 * with the facts of the code dir (setup.py present, the entry file there, a Node package
 * installed), and the entry file made executable when it runs as a command.
 */
import { chmod, open, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pyStr, type TrainingEnvironment } from "@optml/contract";
import {
  isModulePath,
  packageNameOf,
  parseFrameworkModule,
  planEntryPoint,
  planFrameworkModule,
  relativeCommand,
  TypeScriptLoaderMissing,
  type Interpreters,
  type LaunchPlan,
} from "./entry-point.js";
import { entryPointMissing, entryPointNotFound, frameworkModuleInvalid, typescriptLoaderMissing } from "./errors.js";
import { commandLine } from "./shell-quote.js";

/**
 * What runs a script that cannot be made executable: the interpreter of its `#!` line (and the one
 * argument Linux passes with it), else /bin/sh, as a shell runs a file without one.
 */
export function shebangCommand(head: string): string[] {
  if (!head.startsWith("#!")) return ["/bin/sh"];
  const line = head.slice(2).split("\n")[0]!.trim();
  const space = line.search(/\s/);
  if (line === "") return ["/bin/sh"];
  return space < 0 ? [line] : [line.slice(0, space), line.slice(space).trim()];
}

async function headOf(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, 256, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

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
    const mode = (await stat(file)).mode;
    try {
      await chmod(file, mode | 0o111);
    } catch (e) {
      // A code dir that cannot be changed (a container's /opt/ml/code, mounted read-only from the
      // job's local code): a script that is not executable runs through its #! interpreter.
      if (!["EROFS", "EPERM", "EACCES"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
      if ((mode & 0o111) === 0) {
        const command = [...shebangCommand(await headOf(file)), relativeCommand(plan.makeExecutable), ...args];
        const { makeExecutable: _made, ...rest } = plan;
        return { ...rest, args: ["-c", `exec ${commandLine(command)}`] };
      }
    }
  }
  return plan;
}
