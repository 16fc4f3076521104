#!/usr/bin/env node
/**
 * Python dependencies under OPTML_VENVS (issue: the job's Python, requirements.txt never in the
 * machine's Python), each against a baseline measured in the same run:
 *
 * - a job with a requirements.txt (one local package, offline): the first run, which builds the
 *   virtual environment, and the next runs, which reuse it, against the same job without
 *   requirements.txt;
 * - a requirements.txt whose index does not answer (a loopback port that refuses connections):
 *   the runner's failed job against a bare `pip install` with pip's default retries and timeout.
 *   With --hanging also an index that accepts connections and never answers (pip's defaults take
 *   about 6 x its timeout there: 90 s or more).
 *
 *   npm run build && node bench/python-deps.mjs [--reps 3] [--hanging]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../packages/runner/dist/train.cjs", import.meta.url));
const argv = process.argv.slice(2);
const REPS = Number(argv[argv.indexOf("--reps") + 1] || 3);
const HANGING = argv.includes("--hanging");
if (!existsSync(RUNNER)) {
  console.error(`${RUNNER} is missing: run \`npm run build\` first`);
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), "optml-bench-pydeps-"));
const venvs = join(root, "venvs");
/** pip offline, untouched by this machine's pip.conf; OPTML_VENVS set as the control plane sets it. */
const env = { ...process.env, PIP_CONFIG_FILE: "/dev/null", PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", OPTML_VENVS: venvs };
for (const name of ["PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_DEFAULT_TIMEOUT", "PIP_TIMEOUT", "PIP_RETRIES"]) delete env[name];

const PACKAGE = {
  "localpkg/pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
  "localpkg/backend.py":
    "import os, zipfile\ndef build_wheel(d, c=None, m=None):\n    w = 'optml_benchpkg-1.0-py3-none-any.whl'\n    with zipfile.ZipFile(os.path.join(d, w), 'w') as z:\n" +
    "        z.writestr('optml_benchpkg/__init__.py', 'VALUE = 1\\n')\n        z.writestr('optml_benchpkg-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: optml_benchpkg\\nVersion: 1.0\\n')\n" +
    "        z.writestr('optml_benchpkg-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n        z.writestr('optml_benchpkg-1.0.dist-info/RECORD', '')\n    return w\n",
};

let n = 0;
function job(code) {
  const base = join(root, `job-${n++}`);
  const files = {
    "input/config/hyperparameters.json": JSON.stringify({ sagemaker_program: '"train.py"' }),
    "input/config/inputdataconfig.json": "{}",
    "input/config/resourceconfig.json": JSON.stringify({ current_host: "algo-1", hosts: ["algo-1"] }),
    ...Object.fromEntries(Object.entries(code).map(([k, v]) => [`code/${k}`, v])),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(base, path, ".."), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  return base;
}

/** Seconds a command takes, and its exit code. */
function timed(command, args, options) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { ...options, stdio: ["ignore", "ignore", "ignore"] });
    child.once("close", (code) => resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code }));
  });
}
const runJob = (base, extra = {}) => timed(process.execPath, [RUNNER], { env: { ...env, ...extra, SAGEMAKER_BASE_DIR: base } });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s) => `${s.toFixed(2)} s`;

const withRequirements = { "requirements.txt": "./localpkg\n", ...PACKAGE, "train.py": "import optml_benchpkg\n" };
const without = { "train.py": "print('ok')\n" };

const plain = [];
for (let i = 0; i < REPS; i++) plain.push((await runJob(job(without))).seconds);
const first = await runJob(job(withRequirements));
if (first.code !== 0) throw new Error(`the job with requirements.txt failed (exit ${first.code})`);
const reused = [];
for (let i = 0; i < REPS; i++) reused.push((await runJob(job(withRequirements))).seconds);
console.log("requirements.txt in a virtual environment (one local package):");
console.log(`  job without requirements.txt (baseline)   ${fmt(median(plain))}`);
console.log(`  first job: builds the environment         ${fmt(first.seconds)}  (${(first.seconds / median(plain)).toFixed(1)}x the baseline)`);
console.log(`  later jobs: reuse it                      ${fmt(median(reused))}  (${(median(reused) / median(plain)).toFixed(2)}x the baseline)`);

/** A loopback port that refuses connections, or one that accepts them and never answers. */
async function index(kind) {
  const server = createServer(() => {});
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  if (kind === "refusing") await new Promise((resolve) => server.close(resolve));
  return { url: `http://127.0.0.1:${port}/simple`, close: () => server.close() };
}

const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
const baselineVenv = join(root, "baseline-venv");
spawnSync(python, ["-m", "venv", baselineVenv]);
writeFileSync(join(root, "unreachable.txt"), "optml-nosuchpkg==1.0\n");
for (const kind of ["refusing", ...(HANGING ? ["hanging"] : [])]) {
  const { url, close } = await index(kind);
  const offline = { ...env, PIP_INDEX_URL: url };
  delete offline.PIP_NO_INDEX;
  const ours = await timed(process.execPath, [RUNNER], { env: { ...offline, SAGEMAKER_BASE_DIR: job({ "requirements.txt": "optml-nosuchpkg==1.0\n", "train.py": "" }) } });
  const pip = await timed(join(baselineVenv, "bin", "python"), ["-m", "pip", "install", "-r", join(root, "unreachable.txt")], { env: offline });
  close();
  console.log(`an index that ${kind === "refusing" ? "refuses connections" : "never answers"}:`);
  console.log(`  pip install with pip's defaults (baseline) ${fmt(pip.seconds)}  (exit ${pip.code})`);
  console.log(`  the runner's job fails in                  ${fmt(ours.seconds)}  (exit ${ours.code}; ${(pip.seconds / ours.seconds).toFixed(1)}x faster)`);
}
rmSync(root, { recursive: true, force: true });
