/**
 * The runner runs real Python, Node, TypeScript and shell programs: argv exactly as SM_USER_ARGS,
 * the contract's environment, the working directory, and the result files.
 */
import { readFileSync } from "node:fs";
import { contractForBaseDir, detectHostFacts } from "@optml/contract";
import { afterEach, describe, expect, it } from "vitest";
import { runnerEnv, TestJob } from "./job.js";

/** Hyperparameters as the SageMaker Python SDK writes them: every value JSON-encoded. */
const hyperparameters = {
  epochs: "10",
  lr: "0.001",
  name: JSON.stringify("a b"),
  quote: JSON.stringify(`it's "q" \\ $HOME`),
  unicode: JSON.stringify("ünï 🎉"),
  empty: JSON.stringify(""),
  flag: "true",
  nested: JSON.stringify({ b: [1, "q"], a: null }),
  x: JSON.stringify("raw"),
  sagemaker_job_name: JSON.stringify("job-42"),
  sagemaker_region: JSON.stringify("eu-west-1"),
  sagemaker_container_log_level: "20",
};

const expectedArgs = [
  "--empty", "",
  "--epochs", "10",
  "--flag", "True",
  "--lr", "0.001",
  "--name", "a b",
  "--nested", "a=None,b=[1, 'q']",
  "--quote", `it's "q" \\ $HOME`,
  "--unicode", "ünï 🎉",
  "-x", "raw",
];

const PYTHON_PROBE = `
import json, os, sys
with open(os.path.join(os.environ["SM_MODEL_DIR"], "probe.json"), "w") as f:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}, f)
print("python says hi")
`;

const NODE_PROBE = `
import { writeFileSync } from "node:fs";
writeFileSync(process.env.SM_MODEL_DIR + "/probe.json", JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env }));
console.log("node says hi");
`;

const TS_PROBE = `
import { writeFileSync } from "node:fs";
const probe: { argv: string[]; cwd: string; env: NodeJS.ProcessEnv } = { argv: process.argv.slice(2), cwd: process.cwd(), env: process.env };
writeFileSync(process.env.SM_MODEL_DIR + "/probe.json", JSON.stringify(probe));
console.log("typescript says hi");
`;

const SHELL_PROBE = `#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done > "$SM_MODEL_DIR/argv"
pwd > "$SM_MODEL_DIR/cwd"
printf '%s' "$SM_USER_ARGS" > "$SM_MODEL_DIR/sm_user_args"
echo "shell says hi"
`;

interface Probe {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(program: string, code: Record<string, string | { content: string; mode?: number }>, extra: Record<string, unknown> = {}) {
  const j = new TestJob({
    hyperparameters: { ...hyperparameters, sagemaker_program: JSON.stringify(program), ...extra },
    channels: ["train", "eval-data"],
    code,
  });
  jobs.push(j);
  return j;
}

function probe(j: TestJob): Probe {
  return JSON.parse(readFileSync(j.path("model/probe.json"), "utf8")) as Probe;
}

describe("entry points", () => {
  it("runs a Python program with exact argv, the full contract environment and cwd <base>/code", async () => {
    const j = job("train.py", { "train.py": PYTHON_PROBE });
    const extra = { PYTHONPATH: "/existing/lib", OPTML_TEST_PASSTHROUGH: "kept as is", AWS_REGION: "us-west-2" };
    const exit = await j.run(extra);
    expect(exit.stderr).toContain("invoking the user program (python-program)");
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("python says hi\n");
    expect(j.success).toBe("");
    expect(j.failure).toBeUndefined();

    const p = probe(j);
    expect(p.argv).toEqual(expectedArgs);
    expect(p.cwd).toBe(j.path("code"));
    // Every SM_* variable, byte for byte as @optml/contract computes it for this job.
    const contract = contractForBaseDir(j.base, runnerEnv(j.base, extra), detectHostFacts());
    const smVars = Object.fromEntries(Object.entries(p.env).filter(([k]) => k.startsWith("SM_")));
    expect(smVars).toEqual(contract.envVars);
    expect(JSON.parse(p.env.SM_USER_ARGS!)).toEqual(expectedArgs);
    expect(p.env["SM_CHANNEL_EVAL-DATA"]).toBe(j.path("input/data/eval-data"));
    expect(p.env.SAGEMAKER_JOB_NAME).toBe("job-42");
    expect(p.env.CURRENT_HOST).toBe("algo-1");
    expect(p.env.SAGEMAKER_REGION).toBe("eu-west-1");
    expect(p.env.PYTHONPATH).toBe(`${j.path("code")}:/existing/lib`);
    expect(p.env.OPTML_TEST_PASSTHROUGH).toBe("kept as is");
    expect(p.env.SAGEMAKER_BASE_DIR).toBe(j.base);
  });

  it("runs a JavaScript module with Node, argv exact", async () => {
    const j = job("train.mjs", { "train.mjs": NODE_PROBE }, { sagemaker_region: undefined });
    const exit = await j.run({ AWS_REGION: undefined, AWS_DEFAULT_REGION: "ap-south-1" });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("node says hi\n");
    const p = probe(j);
    expect(p.argv).toEqual(expectedArgs);
    expect(p.cwd).toBe(j.path("code"));
    expect(p.env.SAGEMAKER_REGION).toBe("ap-south-1");
    expect(p.env.SM_USER_ARGS).toBe(JSON.stringify(expectedArgs).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
    expect(j.success).toBe("");
  });

  it("runs a CommonJS program in a subdirectory", async () => {
    const j = job("src/train.cjs", { "src/train.cjs": NODE_PROBE.replace('import { writeFileSync } from "node:fs";', 'const { writeFileSync } = require("node:fs");') });
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(probe(j).argv).toEqual(expectedArgs);
  });

  it("runs TypeScript with Node and the TypeScript loader", async () => {
    const j = job("train.ts", { "train.ts": TS_PROBE });
    const exit = await j.run();
    expect(exit.stderr).toContain("invoking the user program (typescript)");
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("typescript says hi\n");
    expect(probe(j).argv).toEqual(expectedArgs);
  });

  it.each([["train.sh"], ["train"]])("runs %s as a command through /bin/sh, made executable, argv exact", async (name) => {
    const j = job(name, { [name]: { content: SHELL_PROBE, mode: 0o644 } });
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("shell says hi\n");
    expect(exit.stderr).toContain(`/bin/sh -c 'exec ./${name} --empty '"'"''"'"' --epochs 10`);
    expect(j.read("model/argv")!.split("\0").slice(0, -1)).toEqual(expectedArgs);
    expect(j.read("model/cwd")).toBe(`${j.path("code")}\n`);
    expect(JSON.parse(j.read("model/sm_user_args")!)).toEqual(expectedArgs);
  });

  it("takes the entry point from SAGEMAKER_PROGRAM", async () => {
    const j = job("ignored.py", { "other.py": PYTHON_PROBE });
    const exit = await j.run({ SAGEMAKER_PROGRAM: "other.py" });
    expect(exit.code).toBe(0);
    expect(probe(j).env.SM_USER_ENTRY_POINT).toBe("other.py");
  });

  it("streams output as it comes, before the program ends", async () => {
    const j = job("train.py", {
      "train.py": "import time\nprint('first', flush=True)\nwhile True:\n    time.sleep(0.05)\n",
    });
    const runner = j.start({ OPTML_STOP_GRACE_SECONDS: "5" });
    await runner.waitFor(/first\n/);
    runner.child.kill("SIGTERM");
    const exit = await runner.exit;
    expect(exit.stdout).toBe("first\n");
  });
});
