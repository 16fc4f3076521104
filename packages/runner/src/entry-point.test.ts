import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  entryPointKind,
  isModulePath,
  packageNameOf,
  parseFrameworkModule,
  planEntryPoint,
  planFrameworkModule,
  pythonModuleName,
  TypeScriptLoaderMissing,
  type Interpreters,
} from "./entry-point.js";

const interpreters: Interpreters = { python: "/usr/bin/python3", node: "/usr/bin/node", typescriptLoader: "/x/tsx/loader.mjs" };
const args = ["--epochs", "10", "--name", "a b", "--empty", "", "--quote", `it's "q"`, "--u", "ünï"];

describe("entryPointKind", () => {
  it.each([
    ["train.js", false, "javascript"],
    ["train.mjs", true, "javascript"],
    ["train.cjs", false, "javascript"],
    ["train.ts", false, "typescript"],
    ["train.mts", true, "typescript"],
    ["train.cts", false, "typescript"],
    ["train.sh", true, "shell-script"],
    ["train.py", true, "python-package"],
    ["train", true, "python-package"],
    ["train.py", false, "python-program"],
    ["train", false, "command"],
    ["train.R", false, "command"],
  ] as const)("%s (setup.py: %s) is %s", (entry, setupPy, kind) => {
    expect(entryPointKind(entry, setupPy)).toBe(kind);
  });
});

describe("planEntryPoint", () => {
  const plan = (entryPoint: string, codeDirHasSetupPy = false) =>
    planEntryPoint({ entryPoint, args, codeDirHasSetupPy, interpreters });

  it("runs Python programs and packages without a shell", () => {
    expect(plan("train.py")).toEqual({
      kind: "python-program",
      command: "/usr/bin/python3",
      args: ["train.py", ...args],
      entryFile: "train.py",
    });
    expect(plan("train.py", true)).toEqual({ kind: "python-package", command: "/usr/bin/python3", args: ["-m", "train", ...args] });
  });

  it("runs JavaScript with Node and TypeScript with Node and the loader", () => {
    expect(plan("train.mjs")).toEqual({ kind: "javascript", command: "/usr/bin/node", args: ["train.mjs", ...args], entryFile: "train.mjs" });
    expect(plan("src/train.ts")).toEqual({
      kind: "typescript",
      command: "/usr/bin/node",
      args: ["--import", "/x/tsx/loader.mjs", "src/train.ts", ...args],
      entryFile: "src/train.ts",
    });
  });

  it("refuses TypeScript when no loader is available", () => {
    expect(() =>
      planEntryPoint({ entryPoint: "t.ts", args: [], codeDirHasSetupPy: false, interpreters: { ...interpreters, typescriptLoader: undefined } }),
    ).toThrow(TypeScriptLoaderMissing);
  });

  it("runs commands through /bin/sh -c with every argument quoted, so the shell gives back the argv", () => {
    const p = plan("train.sh");
    expect(p.kind).toBe("shell-script");
    expect(p.command).toBe("/bin/sh");
    expect(p.makeExecutable).toBe("train.sh");
    expect(p.args).toEqual(["-c", `exec ./train.sh --epochs 10 --name 'a b' --empty '' --quote 'it'"'"'s "q"' --u 'ünï'`]);
    // The shell splits it back into exactly the argv (printf stands in for the program).
    const echoed = spawnSync("/bin/sh", ["-c", p.args[1]!.replace("exec ./train.sh", "printf '%s\\0'")], { encoding: "utf8" });
    expect(echoed.stdout.split("\0").slice(0, -1)).toEqual(args);
    expect(plan("my job").args[1]).toBe(`exec './my job' --epochs 10 --name 'a b' --empty '' --quote 'it'"'"'s "q"' --u 'ünï'`);
    expect(plan("train").kind).toBe("command");
  });

  it("names Python modules from paths", () => {
    expect(pythonModuleName("train.py")).toBe("train");
    expect(pythonModuleName("./pkg/train.py")).toBe("pkg.train");
    expect(pythonModuleName("my.pyfile.py")).toBe("my.pyfile");
  });
});

describe("framework modules", () => {
  it("parses module:function", () => {
    expect(parseFrameworkModule("sagemaker_pytorch_container.training:main")).toEqual({
      module: "sagemaker_pytorch_container.training",
      functionName: "main",
    });
    expect(parseFrameworkModule("./lib/train.mjs:run")).toEqual({ module: "./lib/train.mjs", functionName: "run" });
    expect(parseFrameworkModule("file:///x/t.mjs:run")).toEqual({ module: "file:///x/t.mjs", functionName: "run" });
    expect(parseFrameworkModule("nofunction")).toBeUndefined();
    expect(parseFrameworkModule("m:")).toBeUndefined();
    expect(parseFrameworkModule(":f")).toBeUndefined();
    expect(parseFrameworkModule("m:not-an-identifier")).toBeUndefined();
  });

  it("tells module paths from package names", () => {
    expect(isModulePath("train.mjs")).toBe(true);
    expect(isModulePath("./lib/x")).toBe(true);
    expect(isModulePath("@acme/trainer")).toBe(false);
    expect(isModulePath("sagemaker_pytorch_container.training")).toBe(false);
    expect(packageNameOf("@acme/trainer/sub")).toBe("@acme/trainer");
    expect(packageNameOf("trainer/sub")).toBe("trainer");
  });

  it("imports a JavaScript module from the code dir with Node", () => {
    const p = planFrameworkModule({
      framework: { module: "lib/train.ts", functionName: "main" },
      language: "javascript",
      args: ["--a", "1"],
      interpreters,
    });
    expect(p.kind).toBe("javascript-framework-module");
    expect(p.command).toBe("/usr/bin/node");
    expect(p.args.slice(0, 4)).toEqual(["--import", "/x/tsx/loader.mjs", "--input-type=module", "--eval"]);
    expect(p.args.slice(5)).toEqual(["./lib/train.ts", "main", "--a", "1"]);
    const pkg = planFrameworkModule({ framework: { module: "@acme/trainer", functionName: "run" }, language: "javascript", args: [], interpreters });
    expect(pkg.args.slice(0, 2)).toEqual(["--input-type=module", "--eval"]);
    expect(pkg.args.slice(3)).toEqual(["@acme/trainer", "run"]);
  });

  it("imports a Python module with Python", () => {
    const p = planFrameworkModule({ framework: { module: "fw.training", functionName: "main" }, language: "python", args: ["--x"], interpreters });
    expect(p.command).toBe("/usr/bin/python3");
    expect(p.args[0]).toBe("-c");
    expect(p.args.slice(2)).toEqual(["fw.training", "main", "--x"]);
  });
});
