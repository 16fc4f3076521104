/** Exit codes and result files: success, the user program failing, and errors of the runner itself. */
import { existsSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(program: string | undefined, code: Record<string, string>, hyperparameters: Record<string, unknown> = {}) {
  const j = new TestJob({
    hyperparameters: { epochs: "10", flag: "true", ...(program ? { sagemaker_program: JSON.stringify(program) } : {}), ...hyperparameters },
    code,
  });
  jobs.push(j);
  return j;
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("result files", () => {
  it("reports a failed Python program in the reference format, with the stderr tail and exit 1", async () => {
    const j = job("train.py", {
      "train.py": 'import sys\nprint("some output")\nprint("warming up", file=sys.stderr)\nraise ValueError(\'bad "value"\')\n',
    });
    const exit = await j.run({ OPTML_PYTHON: "python3", PATH: `/nonexistent:${process.env.PATH}` });
    expect(exit.code).toBe(1);
    expect(j.success).toBeUndefined();
    const failure = j.failure!;
    const python = /Command "(\S+) train\.py/.exec(failure)![1]!;
    expect(python).toMatch(/^\/.*python3$/);
    expect(failure).toBe(
      [
        "ExecuteUserScriptError:",
        "ExitCode 1",
        'ErrorMessage "',
        "Traceback (most recent call last):",
        `  File \\"${j.path("code/train.py")}\\", line 4, in <module>`,
        `    raise ValueError('bad \\"value\\"')`,
        `ValueError: bad \\"value\\""`,
        `Command "${python} train.py --epochs 10 --flag True"`,
      ].join("\n"),
    );
    // The log shows the traceback once, as the program wrote it, and then names the error.
    expect(exit.stderr.split("Traceback (most recent call last):")).toHaveLength(2);
    expect(exit.stderr.endsWith(
      [
        `ValueError: bad "value"`,
        `[optml-train] training failed: ExecuteUserScriptError: the user program exited with code 1: ValueError: bad "value" (traceback above)`,
        `[optml-train] wrote ${j.path("output/failure")} (the job's failure reason)`,
        "",
      ].join("\n"),
    )).toBe(true);
  });

  it("passes no exit code through: a program exiting 3 gives ExitCode 3 and runner exit 1", async () => {
    const j = job("train.sh", { "train.sh": "#!/bin/sh\necho 'disk full' >&2\nexit 3\n" });
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(j.failure).toBe(`ExecuteUserScriptError:\nExitCode 3\nErrorMessage "\ndisk full"\nCommand "/bin/sh -c 'exec ./train.sh --epochs 10 --flag True'"`);
    expect(exit.stderr).toContain("disk full\n[optml-train] training failed: ExecuteUserScriptError: the user program exited with code 3: disk full (its stderr is above)\n");
  });

  it("adds the OutOfMemory line when the program is killed by SIGKILL", async () => {
    const j = job("train.py", { "train.py": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n" });
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(
      "[optml-train] training failed: ExecuteUserScriptError: the user program exited with code 137 (OutOfMemory: Process killed by SIGKILL (signal 9)); it wrote nothing to stderr\n",
    );
    expect(j.failure).toMatch(/^ExecuteUserScriptError:\nExitCode 137\nErrorMessage ""\nExtraInfo "OutOfMemory: Process killed by SIGKILL \(signal 9\)"\nCommand "\S+ train\.py --epochs 10 --flag True"$/);
  });

  it("keeps the failure file within 1024 bytes whatever the program prints", async () => {
    const j = job("train.py", { "train.py": 'import sys\nfor i in range(5000):\n    print("noise é", i, file=sys.stderr)\nsys.exit("final: \\"the\\" reason")\n' });
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(exit.stderr.split("\n").filter((l) => l.startsWith("noise é")).length).toBe(5000);
    const failure = j.failure!;
    expect(bytes(failure)).toBeLessThanOrEqual(1024);
    expect(failure).toContain('final: \\"the\\" reason"\nCommand "');
    expect(failure.endsWith("\n")).toBe(false);
  });

  it("keeps a failure file the program wrote itself", async () => {
    const j = job("train.py", {
      "train.py": 'import os\nopen(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w").write("my own reason")\nraise SystemExit(2)\n',
    });
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(j.failure).toBe("my own reason");
    expect(exit.stderr).toContain("(written by the user program): keeping it");
    expect(exit.stderr).not.toContain("(the job's failure reason)");
  });

  it("creates output/ when it is missing (the reference silently exits 0)", async () => {
    const j = job("train.py", { "train.py": "print('ok')\n" });
    rmSync(j.path("output"), { recursive: true, force: true });
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(j.success).toBe("");
  });

  it("writes a Framework Error for a missing config file", async () => {
    const j = job("train.py", { "train.py": "print('never')\n" });
    rmSync(j.path("input/config/resourceconfig.json"));
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe("");
    expect(j.failure).toBe(
      `Framework Error: ${j.path("input/config/resourceconfig.json")}: file not found (a training job needs hyperparameters.json, inputdataconfig.json and resourceconfig.json under <base>/input/config)`,
    );
  });

  it("writes a Framework Error for a malformed config file", async () => {
    const j = job("train.py", { "train.py": "print('never')\n" });
    j.write("input/config/hyperparameters.json", "{not json");
    expect((await j.run()).code).toBe(1);
    expect(j.failure).toMatch(/^Framework Error: .*hyperparameters\.json: not valid JSON/);
  });

  it("writes a Framework Error, before anything runs, for a job SageMaker's toolkit fails to start", async () => {
    const j = job("train.py", { "train.py": "print('never')\n" }, { sagemaker_container_log_level: '"INFO"' });
    expect((await j.run()).code).toBe(1);
    expect(j.failure).toMatch(/^Framework Error: .*hyperparameters\.json: field "sagemaker_container_log_level" must be an integer logging level/);
    expect(j.failure).not.toContain("never");
  });

  it("writes a Framework Error when there is no entry point, or it is not in the code dir", async () => {
    const none = job(undefined, {});
    expect((await none.run()).code).toBe(1);
    expect(none.failure).toMatch(/^Framework Error: no user entry point: set the hyperparameter sagemaker_program/);
    const missing = job("nope.py", {});
    expect((await missing.run()).code).toBe(1);
    expect(missing.failure).toBe(`Framework Error: entry point "nope.py" not found in ${missing.path("code")}`);
  });

  it("writes a Framework Error when the interpreter cannot be started", async () => {
    const j = job("train.py", { "train.py": "print('never')\n" });
    const exit = await j.run({ OPTML_PYTHON: "/nonexistent/python" });
    expect(exit.code).toBe(1);
    // The job's Python is asked for its version first: a missing one fails before anything else runs.
    expect(exit.stderr).not.toContain("[optml-train] python:");
    expect(j.failure).toBe(
      "Framework Error: the job's Python /nonexistent/python cannot run: no such file (set OPTML_PYTHON to a working interpreter, or install python3 on PATH)",
    );
    const node = job("train.mjs", { "train.mjs": "console.log('never')\n" });
    expect((await node.run({ OPTML_NODE: "/nonexistent/node" })).code).toBe(1);
    expect(node.failure).toMatch(/^Framework Error: cannot start \/nonexistent\/node: spawn \/nonexistent\/node ENOENT/);
  });

  it("writes a Framework Error for a malformed setting", async () => {
    const j = job("train.py", { "train.py": "print('never')\n" });
    expect((await j.run({ OPTML_STOP_GRACE_SECONDS: "soon" })).code).toBe(1);
    expect(j.failure).toBe('Framework Error: environment variable OPTML_STOP_GRACE_SECONDS must be a number of seconds (0 or more), found "soon"');
  });

  it("creates the model and output data dirs before launch", async () => {
    const j = job("train.py", { "train.py": "import os\nfor v in ('SM_MODEL_DIR', 'SM_OUTPUT_DATA_DIR', 'SM_OUTPUT_INTERMEDIATE_DIR'):\n    assert os.path.isdir(os.environ[v]), v\n" });
    rmSync(j.path("output"), { recursive: true, force: true });
    expect((await j.run()).code).toBe(0);
    expect(existsSync(j.path("model"))).toBe(true);
  });
});
