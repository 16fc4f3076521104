/**
 * What the live display, the summary and `optml describe` say about what happened, with the real
 * CLI and its embedded control plane: a Python traceback shown once, the executor that ran the
 * job, an image that ran as local processes and the hint when an import then fails, the artifacts
 * of a failed job, an empty model dir, and Node's warnings (the runner's kept out of the log, the
 * user program's kept in).
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobJson, transitions } from "./fixtures.js";
import { optml, tempDir, tree } from "./run-optml.js";

const root = tempDir("optml-cli-report-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { OPTML_HOME: join(root, "home"), OPTML_STOP_GRACE_SECONDS: "3" };
const ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest";

const proj = tree(join(root, "proj"), {
  "fail.py": 'print("starting")\ndef inner():\n    raise ValueError("bad value for epochs")\ninner()\n',
  "empty.py": 'print("trained, saved nothing")\n',
  "warn.mjs": 'process.emitWarning("the user program warns", "UserWarning");\nconsole.log("sdk switch", process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED);\n',
});

const count = (text: string, part: string) => text.split(part).length - 1;

describe("a failed Python program", () => {
  it("shows its traceback once, then the runner's line naming the error, then a summary without a copy of it and no model", () => {
    const r = optml(["run", "--name", "fails-once", "--", "python3", "fail.py"], env, proj);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(count(r.stdout, "Traceback (most recent call last):")).toBe(1);
    expect(count(r.stdout, "bad value for epochs")).toBe(4); // the raise line, the exception, the runner's line, the summary
    expect(r.stdout).toContain(
      '[algo-1]     raise ValueError("bad value for epochs")\n[algo-1] ValueError: bad value for epochs\n' +
        "[algo-1] [optml-train] training failed: ExecuteUserScriptError: the user program exited with code 1: ValueError: bad value for epochs (traceback above)\n",
    );
    const summary = r.stdout.slice(r.stdout.indexOf("\nFailed fails-once in "));
    expect(summary.split("\n").slice(2)).toEqual([
      "  Failure reason: AlgorithmError: ExecuteUserScriptError: exit code 1",
      "    ValueError: bad value for epochs",
      expect.stringMatching(/^ {4}Command: \S*python3 fail\.py$/),
      "    (in full: the log above, or optml describe fails-once)",
      "",
    ]);
    // It saved no model: none is advertised, and no empty archive is written.
    expect(r.stdout).not.toContain("Model:");
    expect(existsSync(join(proj, "optml-out", "fails-once", "output")) ? readdirSync(join(proj, "optml-out", "fails-once", "output")) : []).toEqual([]);

    const d = optml(["describe", "fails-once"], env, proj);
    expect(d.stdout).toContain("Failure reason: AlgorithmError: ExecuteUserScriptError: exit code 1\n  Traceback (most recent call last):\n");
    expect(d.stdout).toContain('\n      raise ValueError("bad value for epochs")\n  ValueError: bad value for epochs\n  Command: ');
    expect(d.stdout).toContain("Executor:      local processes\n");
    expect(d.stdout).not.toContain("Model:");
  });
});

describe("a job whose TrainingImage ran as local processes", () => {
  const dir = tree(join(root, "ecr"), {
    "job.json": jobJson({
      AlgorithmSpecification: { TrainingImage: ECR_IMAGE, TrainingInputMode: "File" },
      HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: '"file://./src"' },
      InputDataConfig: undefined,
    }),
    "src/train.py": "import torch_not_here\n",
  });

  it("says so when it starts, names the executor, and hints at the executor when an import fails", () => {
    const r = optml(["train", join(dir, "job.json"), "--name", "ecr-import", "--executor", "process"], env, root);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(transitions(r.stdout)).toEqual(["Starting", "Downloading", "Training", "Failed"]);
    const warning = `TrainingImage ${ECR_IMAGE} was not run: the job runs as local processes with this machine's Python and Node (the executor is process `;
    // Once, on a line of its own, though the first transition's message and the host's log carry it.
    expect(r.stdout).toContain(`Starting     Launching requested ML instances\noptml: warning: ${warning}`);
    expect(count(r.stdout, warning)).toBe(1);
    const logged = optml(["logs", "ecr-import"], env, root).stdout;
    expect(logged).toContain(`[algo-1] [optml] warning: ${warning}`);
    expect(count(r.stdout, "optml: executor: local processes\n")).toBe(1);
    expect(r.stdout).toContain("[algo-1] ModuleNotFoundError: No module named 'torch_not_here'\n");
    expect(r.stdout.slice(r.stdout.indexOf("  Failure reason:"))).toMatch(
      new RegExp(
        [
          "  Failure reason: AlgorithmError: ExecuteUserScriptError: exit code 1",
          "    ModuleNotFoundError: No module named 'torch_not_here'",
          "    Command: \\S*python3 train\\.py",
          "    \\(in full: the log above, or optml describe ecr-import\\)",
          `  Hint: the job ran as local processes with this machine's Python, not in its TrainingImage ${ECR_IMAGE.replace(/\./g, "\\.")}: the image's packages were not there\\.`,
          "    Install 'torch_not_here' here \\(python3 -m pip install torch_not_here, or a requirements\\.txt beside the program\\),",
          `    or run the image: build or pull it \\(docker pull ${ECR_IMAGE.replace(/\./g, "\\.")}\\), then optml train --executor docker \\(the tag optml:executor=docker\\)\\.`,
          "$",
        ].join("\n"),
      ),
    );

    const d = optml(["describe", "ecr-import"], env, root);
    expect(d.stdout).toContain("Executor:      local processes\n");
    expect(d.stdout).toContain(`Warning: ${warning}`);
    expect(d.stdout).toContain("Hint: the job ran as local processes with this machine's Python");
    const json = JSON.parse(optml(["describe", "ecr-import", "--json"], env, root).stdout) as Record<string, unknown>;
    expect(json.OptmlExecutor).toEqual({ Name: "process", Description: "local processes" });
    expect(json.OptmlWarnings).toEqual([expect.stringContaining(warning)]);
  });
});

describe("a completed job that saved no model", () => {
  it("says that its model.tar.gz is empty", () => {
    const r = optml(["run", "--name", "empty-model", "--", "python3", "empty.py"], env, proj);
    expect(r.code).toBe(0);
    const warning = "the job saved nothing in /opt/ml/model (SM_MODEL_DIR) on any host: model.tar.gz is an empty archive";
    // In the live log, before the job's end, and in describe.
    expect(r.stdout).toMatch(new RegExp(`\\[algo-1\\] \\[optml\\] warning: ${warning.replace(/[()/.]/g, "\\$&")}\\n.* Completed {4}`));
    expect(optml(["describe", "empty-model"], env, proj).stdout).toContain(`Warning: ${warning}\n`);
  });
});

describe("Node warnings", () => {
  it("the user program's reach the log, with its environment as it was; the CLI prints none of the SDK's", () => {
    const r = optml(["run", "--name", "node-warns", "--", "node", "warn.mjs"], { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined }, proj);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("[algo-1] sdk switch undefined\n");
    expect(r.stdout).toMatch(/^\[algo-1\] \(node:\d+\) UserWarning: the user program warns$/m);
    expect(count(r.stdout, "Warning")).toBe(1);
  });
});
