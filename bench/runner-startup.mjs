#!/usr/bin/env node
/**
 * Runner startup overhead: the time from starting a program to its first line of output, run
 * directly versus under the `train` runner (packages/runner/dist/train.cjs), for a no-op Python
 * program and a no-op Node program. All ways run in the same process, interleaved, with the same
 * interpreter binaries; medians over several repetitions. For scale it also times a bare Node
 * launcher (spawn the program, pass its output through, nothing else): the part of the overhead
 * that any runner written for Node pays before doing any work.
 *
 *   npm run build && node bench/runner-startup.mjs [repetitions]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../packages/runner/dist/train.cjs", import.meta.url));
const REPETITIONS = Number(process.argv[2] ?? 21);
const WARMUP = 3;

if (!existsSync(RUNNER)) {
  console.error(`${RUNNER} is missing: run \`npm run build\` first`);
  process.exit(2);
}

/** The real Python binary (not a pyenv shim), so both ways start the same interpreter. */
const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
const node = process.execPath;

const base = mkdtempSync(join(tmpdir(), "optml-bench-runner-"));
const write = (path, text) => {
  mkdirSync(join(base, path, ".."), { recursive: true });
  writeFileSync(join(base, path), text);
};
write("input/config/inputdataconfig.json", "{}");
write("input/config/resourceconfig.json", JSON.stringify({ current_host: "algo-1", hosts: ["algo-1"] }));
write("code/noop.py", 'print("ready")\n');
write("code/noop.mjs", 'console.log("ready");\n');
write(
  "launcher.mjs",
  'import { spawn } from "node:child_process";\n' +
    'const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "inherit" });\n' +
    'child.on("exit", (code) => process.exit(code ?? 1));\n',
);
const codeDir = join(base, "code");

/** Milliseconds from spawn to the first complete line on stdout; the process is then awaited. */
function timeToFirstLine(command, args, options) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let firstLine;
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.on("data", (chunk) => {
      if (firstLine === undefined && chunk.includes(10)) firstLine = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0 || firstLine === undefined) reject(new Error(`${command} ${args.join(" ")} exited ${code} without a line`));
      else resolve(firstLine);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const programs = [
  { name: "python no-op", entry: "noop.py", direct: [python, ["noop.py"]] },
  { name: "node no-op", entry: "noop.mjs", direct: [node, ["noop.mjs"]] },
];

/**
 * The environments to measure in: this one as it is, and, where NODE_EXTRA_CA_CERTS is set, the
 * same without it. Node 20 reads and parses that certificate file while it starts, before any
 * script runs (about 40 ms for Debian's bundle of ~140 certificates): it slows every Node
 * process, the runner included, whatever the runner does.
 */
const environments = [{ name: "as is", env: process.env }];
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = process.env;
  environments.push({ name: "no NODE_EXTRA_CA_CERTS", env: rest });
}

const rows = [];
try {
  for (const { name: envName, env } of environments)
  for (const program of programs) {
    const runnerEnv = { ...env, SAGEMAKER_BASE_DIR: base, OPTML_PYTHON: python, OPTML_NODE: node };
    for (const k of Object.keys(runnerEnv)) if (/^(SM_|SAGEMAKER_PROGRAM|SAGEMAKER_TRAINING_MODULE)/.test(k)) delete runnerEnv[k];
    write("input/config/hyperparameters.json", JSON.stringify({ sagemaker_program: JSON.stringify(program.entry) }));
    const direct = [];
    const launcher = [];
    const runner = [];
    const [command, args] = program.direct;
    for (let i = 0; i < WARMUP + REPETITIONS; i++) {
      const d = await timeToFirstLine(command, args, { cwd: codeDir, env });
      const l = await timeToFirstLine(node, [join(base, "launcher.mjs"), command, ...args], { cwd: codeDir, env });
      const r = await timeToFirstLine(node, [RUNNER], { cwd: base, env: runnerEnv });
      if (i >= WARMUP) {
        direct.push(d);
        launcher.push(l);
        runner.push(r);
      }
    }
    const d = median(direct);
    const l = median(launcher);
    const r = median(runner);
    rows.push({
      environment: envName,
      program: program.name,
      "direct ms": d.toFixed(1),
      "runner ms": r.toFixed(1),
      "overhead ms": (r - d).toFixed(1),
      ratio: (r / d).toFixed(2),
      "bare Node launcher ms": l.toFixed(1),
      "runner's own ms": (r - l).toFixed(1),
    });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

console.log(`runner startup: time to the program's first line, median of ${REPETITIONS} (after ${WARMUP} warm-up runs)`);
console.log(`node ${process.version}, ${python}`);
console.table(rows);
console.log("overhead = runner - direct; runner's own = runner - bare Node launcher (Node's own start-up excluded)");
