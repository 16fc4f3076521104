/**
 * Entry point kinds: from the entry point's name and the code dir's facts to the exact argv that
 * runs it. Pure: no file system, no processes.
 *
 * | entry point                        | runs as                                          |
 * |------------------------------------|--------------------------------------------------|
 * | `*.js`, `*.mjs`, `*.cjs`           | `<node> <entry> <args>`                          |
 * | `*.ts`, `*.mts`, `*.cts`           | `<node> --import <ts loader> <entry> <args>`     |
 * | `*.sh`                             | `/bin/sh -c "exec ./<entry> <args quoted>"`, made executable |
 * | any name, `setup.py` in code dir   | `<python> -m <entry without .py> <args>`         |
 * | `*.py`                             | `<python> <entry> <args>`                        |
 * | anything else                      | `/bin/sh -c "exec ./<entry> <args quoted>"`, made executable |
 *
 * The shell `exec`s the command (the reference's shell does not), so that the program itself gets
 * the stop signals and its exit code is reported, not the shell's.
 *
 * `SAGEMAKER_TRAINING_MODULE=module:function` runs instead of the entry point: a JavaScript or
 * TypeScript module is imported by Node and the function awaited; a Python module is imported by
 * Python and the function called (as the reference does).
 */
import { commandLine } from "./shell-quote.js";

export type EntryPointKind =
  | "javascript"
  | "typescript"
  | "shell-script"
  | "python-package"
  | "python-program"
  | "command"
  | "javascript-framework-module"
  | "python-framework-module";

export interface Interpreters {
  readonly python: string;
  readonly node: string;
  /** The module `node --import` loads to run TypeScript; undefined when none is available. */
  readonly typescriptLoader: string | undefined;
}

export interface LaunchPlan {
  readonly kind: EntryPointKind;
  readonly command: string;
  readonly args: readonly string[];
  /** A file in the code dir to make executable before launch (the reference chmods it 0777). */
  readonly makeExecutable?: string;
  /** The entry point file that must exist in the code dir, when there is one. */
  readonly entryFile?: string;
}

export class TypeScriptLoaderMissing extends Error {}

const JAVASCRIPT = /\.(?:js|mjs|cjs)$/;
const TYPESCRIPT = /\.(?:ts|mts|cts)$/;

export function entryPointKind(entryPoint: string, codeDirHasSetupPy: boolean): EntryPointKind {
  if (JAVASCRIPT.test(entryPoint)) return "javascript";
  if (TYPESCRIPT.test(entryPoint)) return "typescript";
  if (entryPoint.endsWith(".sh")) return "shell-script";
  if (codeDirHasSetupPy) return "python-package";
  if (entryPoint.endsWith(".py")) return "python-program";
  return "command";
}

export interface EntryPointInput {
  readonly entryPoint: string;
  readonly args: readonly string[];
  readonly codeDirHasSetupPy: boolean;
  readonly interpreters: Interpreters;
}

export function planEntryPoint(input: EntryPointInput): LaunchPlan {
  const { entryPoint, args, interpreters } = input;
  const kind = entryPointKind(entryPoint, input.codeDirHasSetupPy);
  switch (kind) {
    case "javascript":
      return { kind, command: interpreters.node, args: [entryPoint, ...args], entryFile: entryPoint };
    case "typescript":
      return {
        kind,
        command: interpreters.node,
        args: ["--import", typescriptLoader(interpreters), entryPoint, ...args],
        entryFile: entryPoint,
      };
    case "python-package":
      return { kind, command: interpreters.python, args: ["-m", pythonModuleName(entryPoint), ...args] };
    case "python-program":
      return { kind, command: interpreters.python, args: [entryPoint, ...args], entryFile: entryPoint };
    default:
      return {
        kind,
        command: "/bin/sh",
        args: ["-c", `exec ${commandLine([relativeCommand(entryPoint), ...args])}`],
        makeExecutable: entryPoint,
        entryFile: entryPoint,
      };
  }
}

function typescriptLoader(interpreters: Interpreters): string {
  if (interpreters.typescriptLoader === undefined) throw new TypeScriptLoaderMissing();
  return interpreters.typescriptLoader;
}

/** `train.py` -> `train`, `pkg/train.py` -> `pkg.train`. */
export function pythonModuleName(entryPoint: string): string {
  return (entryPoint.endsWith(".py") ? entryPoint.slice(0, -3) : entryPoint).replace(/^\.\//, "").replaceAll("/", ".");
}

/** `./name`, so that the shell runs the file in the code dir, not something on PATH. */
export function relativeCommand(entryPoint: string): string {
  return entryPoint.startsWith("/") || entryPoint.startsWith("./") ? entryPoint : `./${entryPoint}`;
}

export interface FrameworkModule {
  readonly module: string;
  readonly functionName: string;
}

/** `module:function` -> its parts; undefined when the value does not have that shape. */
export function parseFrameworkModule(value: string): FrameworkModule | undefined {
  const colon = value.lastIndexOf(":");
  if (colon <= 0 || colon === value.length - 1) return undefined;
  const module = value.slice(0, colon);
  const functionName = value.slice(colon + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(functionName)) return undefined;
  return { module, functionName };
}

/** Whether a module reference names a JavaScript/TypeScript file rather than a package or Python module. */
export function isModulePath(module: string): boolean {
  return (
    JAVASCRIPT.test(module) ||
    TYPESCRIPT.test(module) ||
    module.startsWith("./") ||
    module.startsWith("../") ||
    module.startsWith("/") ||
    module.startsWith("file:")
  );
}

/** The package a bare module reference belongs to: `@scope/pkg/sub` -> `@scope/pkg`. */
export function packageNameOf(module: string): string {
  const parts = module.split("/");
  return module.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Node: import the module (a path relative to the code dir, or a package resolved from it, since
 * Node resolves `--eval` imports from the working directory) and await the function.
 */
const NODE_FRAMEWORK_SCRIPT =
  "const [s, f] = process.argv.splice(1, 2); const m = await import(s); const fn = m[f] ?? m.default?.[f]; " +
  "if (typeof fn !== 'function') { console.error(`${s} exports no function ${f}`); process.exit(1); } await fn();";

/** Python: import the module and call the function, as the reference's `train` does. */
const PYTHON_FRAMEWORK_SCRIPT =
  "import importlib, sys; m = sys.argv.pop(1); f = sys.argv.pop(1); getattr(importlib.import_module(m), f)()";

export interface FrameworkModuleInput {
  readonly framework: FrameworkModule;
  readonly language: "javascript" | "python";
  readonly args: readonly string[];
  readonly interpreters: Interpreters;
}

export function planFrameworkModule(input: FrameworkModuleInput): LaunchPlan {
  const { framework, args, interpreters } = input;
  if (input.language === "python") {
    return {
      kind: "python-framework-module",
      command: interpreters.python,
      args: ["-c", PYTHON_FRAMEWORK_SCRIPT, framework.module, framework.functionName, ...args],
    };
  }
  const specifier = isModulePath(framework.module) && !/^(?:\.\.?\/|\/|file:)/.test(framework.module)
    ? `./${framework.module}`
    : framework.module;
  const loader = TYPESCRIPT.test(specifier) ? ["--import", typescriptLoader(interpreters)] : [];
  return {
    kind: "javascript-framework-module",
    command: interpreters.node,
    args: [...loader, "--input-type=module", "--eval", NODE_FRAMEWORK_SCRIPT, specifier, framework.functionName, ...args],
  };
}

/** The full argv of a plan, as logged and written to the failure file. */
export function planArgv(plan: LaunchPlan): string[] {
  return [plan.command, ...plan.args];
}
