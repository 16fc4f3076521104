import { spawnSync } from "node:child_process";
import { existsSync, rmSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TRAIN_PY, transitions } from "./fixtures.js";
import { OPTML_BIN, optml, startOptml, tempDir, tree } from "./run-optml.js";

const root = tempDir("optml-cli-run-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, "home");
const env = { OPTML_HOME: home, OPTML_STOP_GRACE_SECONDS: "3" };
const proj = tree(join(root, "proj"), {
  "train.py": TRAIN_PY,
  "data/a.csv": "1,2\n",
  "train.mjs": `console.log("argv", process.argv.slice(2).join(" "), "seed", process.env.SEED);\nfor (let e = 1; e <= 2; e++) console.log(\`epoch=\${e} acc=\${(0.5 + e / 10).toFixed(2)}\`);\n`,
});

describe("optml run -- PROGRAM", () => {
  it("runs a local script as a one-host job, artifacts in ./optml-out/<job>/, without carrying them into the next job's code", () => {
    const first = optml(["run", "--channel", "train=data", "--", "python", "train.py", "--epochs", "2"], env, proj);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const name = /training job (train-[\d-]+) on/.exec(first.stdout)![1]!;
    expect(transitions(first.stdout)).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    expect(first.stdout).toContain("[algo-1] args --epochs 2\n");
    expect(first.stdout).toContain("[algo-1] channel train ['a.csv']\n");
    expect(first.stdout).toContain(`  Model:  ${join(proj, "optml-out", name, "output", "model.tar.gz")}\n`);
    expect(existsSync(join(proj, "optml-out", name, "output", "model.tar.gz"))).toBe(true);
    expect(first.stdout).toContain("[algo-1] cwd ['data', 'train.mjs', 'train.py']\n");
    // Once more, with optml-out there now: the job's code still leaves it out (the runner's rule),
    // without a copy made first.
    const second = optml(["run", "--channel", "train=data", "--", "python", "train.py"], env, proj);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("[algo-1] cwd ['data', 'train.mjs', 'train.py']\n");
    expect(existsSync(join(home, "code"))).toBe(false);
  });

  it("leaves .git, .venv, venv, __pycache__, node_modules and what .optmlignore lists out of the job, and warns above 100 MiB", () => {
    const dir = tree(join(root, "heavy"), {
      "train.py": TRAIN_PY,
      ".git/HEAD": "ref: refs/heads/main\n",
      ".venv/bin/python": "#!",
      "venv/pyvenv.cfg": "",
      "__pycache__/train.cpython-312.pyc": "",
      "node_modules/left-pad/index.js": "",
      "scratch/notes.txt": "",
      ".optmlignore": "scratch/\n",
      "big.bin": "",
    });
    // A sparse file: 101 MiB to the copy, next to nothing on disk.
    truncateSync(join(dir, "big.bin"), 101 * 1024 * 1024);
    const r = optml(["run", "--", "python", "train.py"], env, dir);
    expect(r.code).toBe(0);
    const warning =
      `warning: the code directory ${dir} holds 101.0 MiB in 3 file(s), copied into every job (largest: big.bin 101.0 MiB, train.py ${TRAIN_PY.length} bytes, .optmlignore 9 bytes); ` +
      `list what the job does not need in ${dir}/.optmlignore (gitignore syntax, e.g. 'big.bin'), or give it as a channel instead`;
    // In the CLI, before the job, and in the job's log, from the runner that copies the code.
    expect(r.stderr).toBe(`optml: ${warning}\n`);
    expect(r.stdout).toContain(`[algo-1] [optml-train] ${warning}\n`);
    expect(r.stdout).toContain("[algo-1] cwd ['.optmlignore', 'big.bin', 'train.py']\n");
  });

  it("takes a program without its interpreter, with --hp, --metric, --env, --name and --output", () => {
    const out = join(root, "artifacts");
    const r = optml(["run", "--hp", "lr=0.1", "--metric", "acc=acc=([0-9.]+)", "--env", "SEED=7", "--name", "node-1", "--output", out, "--", "train.mjs", "--b", "2", "--a=1"], env, proj);
    expect(r.code).toBe(0);
    // Hyperparameters reach the program as SageMaker passes them: sorted by name, -x for one letter.
    expect(r.stdout).toContain("[algo-1] argv -a 1 -b 2 --lr 0.1 seed 7\n");
    expect(r.stdout).toContain("  Final metrics:\n    acc  0.7\n");
    expect(existsSync(join(out, "node-1", "output", "model.tar.gz"))).toBe(true);
  });

  it("says what is wrong with PROGRAM, ARGS and --channel, in one line", () => {
    const cases: [string[], string][] = [
      [["run", "--", "missing.py"], "optml: missing.py: no such file; optml run takes a script file (train.py, train.ts, ...), optionally after its interpreter\n"],
      [["run", "--", "python", "train.py", "data.csv"], "optml: optml run passes the program's arguments as hyperparameters, so they must be --name value pairs; got 'data.csv'\n"],
      [["run", "--channel", "train=nope", "--", "train.py"], `optml: --channel train=nope: ${join(proj, "nope")} does not exist; give an existing directory or file (or an s3:// URI)\n`],
      [["run", "--channel", "train=data", "--channel", "train=data", "--", "train.py"], "optml: --channel train= is given twice; give each name once\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = optml(args, env, proj);
      expect(r.stderr).toBe(stderr);
      expect(r.code).toBe(2);
    }
    const usage = optml(["run"], env, proj);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("error: missing required argument 'program'");
    expect(usage.stderr).toContain("Usage: optml run [options] -- PROGRAM [ARGS...]");
    expect(optml(["run", "--help"]).stdout).toContain("Examples:\n  optml run -- python train.py --epochs 10 --learning-rate 0.1");
  });

  it("Ctrl-C stops a job on the embedded control plane: exit 130, the job Stopped", async () => {
    const running = startOptml(["run", "--name", "interrupted-1", "--", "python", "train.py", "--sleep", "30"], env, proj);
    await running.waitFor(/\[algo-1\] sleeping/);
    running.child.kill("SIGINT");
    const r = await running.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("optml: SIGINT: stopping interrupted-1 (press Ctrl-C again to leave it running)");
    expect(transitions(r.stdout).slice(-3)).toEqual(["Stopping", "Uploading", "Stopped"]);
    expect(r.stdout).toMatch(/^Stopped interrupted-1 in /m);
  });
});

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

describe.skipIf(!hasScript)("on a terminal", () => {
  /** Run optml under a pseudo-terminal (util-linux `script`), returning what the terminal showed. */
  function onTerminal(args: string[], extraEnv: Record<string, string> = {}) {
    const command = [process.execPath, OPTML_BIN, ...args].map((a) => `'${a}'`).join(" ");
    return spawnSync("script", ["-qefc", command, "/dev/null"], {
      encoding: "utf8",
      cwd: proj,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm", ...env, ...extraEnv },
    });
  }

  it("colours statuses and shows a spinner on a TTY; NO_COLOR turns colour off", () => {
    const coloured = onTerminal(["run", "--", "python", "train.py", "--sleep", "1.5"]);
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain("\x1b[32mCompleted");
    expect(coloured.stdout).toMatch(/\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /);
    const plain = onTerminal(["run", "--", "python", "train.py"], { NO_COLOR: "1" });
    expect(plain.status).toBe(0);
    expect(plain.stdout).not.toMatch(/\x1b\[\d+m/);
  });
});
