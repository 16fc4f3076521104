#!/usr/bin/env node
/**
 * Creation-to-training latency of a 4-host job against a 1-host job (issue 7), in one run: the time
 * from CreateTrainingJob to the first line the program prints on every host (read from the log
 * store). For scale it also times the same program under 1 and 4 `train` processes started at once
 * by hand (no control plane, no network): what the machine's cores allow for 4 hosts' processes.
 * Jobs run Python as its real binary (a pyenv shim is a bash script that costs ~0.3 s of CPU per
 * start, 4 times over in a 4-host job). Needs root (network namespaces).
 * Last, it times 4 copies of a fixed CPU-bound loop (Python without site, ~0.2 s) at once against
 * one: how much of a 4-fold CPU load this machine's cores absorb. Each host's start is CPU-bound
 * (Node, then Python), so where that ratio is near or above 2, the 4-host ratio cannot be under 2.
 *
 * What the control plane adds per extra host: (4-host job - 1-host job) - (4 by hand - 1 by hand),
 * over 3 extra hosts (target under 50 ms).
 *
 * torchrun (issue 9): a 2-host x 2-process torch_distributed job, creation to every rank's first
 * line, against the same 2 torchrun processes (node ranks 0 and 1, 2 processes each) started by
 * hand on this machine (target at most 1.3x). Needs a Python with PyTorch: OPTML_BENCH_TORCH_PYTHON,
 * default the tests' venv (test-support/torch-venv.ts: <tmpdir>/optml-test-venvs/torch; running
 * packages/server/test/distributed.e2e.test.ts once builds it); skipped with a note when missing.
 * Run: npm run build && node bench/multihost.mjs [runs]
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { startServer } from "../packages/server/dist/index.js";

if (process.getuid?.() !== 0) {
  console.log("multi-host jobs need root (network namespaces): run this benchmark as root");
  process.exit(0);
}
const runs = Number(process.argv[2] ?? 5);
const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
process.env.OPTML_PYTHON = python; // the jobs' hosts inherit the control plane's environment
const root = mkdtempSync(join(tmpdir(), "optml-bench-mh-"));
const code = join(root, "code");
mkdirSync(code);
writeFileSync(join(code, "train.py"), "import os\nprint('first line from', os.environ['SM_CURRENT_HOST'], flush=True)\n");
const server = await startServer({ port: 0, home: join(root, "home"), log: () => undefined, capacity: 1 });
const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function latency(name, hosts, { codeDir = code, hyperparameters = {}, environment, firstLine = "first line from", lines = hosts } = {}) {
  const t0 = Date.now();
  await sm.send(new CreateTrainingJobCommand({
    TrainingJobName: name,
    HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(codeDir), ...hyperparameters },
    ...(environment ? { Environment: environment } : {}),
    AlgorithmSpecification: { TrainingImage: "bench:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Bench",
    OutputDataConfig: { S3OutputPath: `file://${join(root, "out")}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: hosts, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  }));
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const store = server.controlPlane.store;
  const firsts = store.logs.streamsOfJob(name).flatMap((s) =>
    store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).filter((e) => e.message.startsWith(firstLine)).map((e) => e.timestamp),
  );
  if (firsts.length !== lines) throw new Error(`${name}: ${firsts.length} first lines, not ${lines}`);
  return Math.max(...firsts) - t0;
}

const RUNNER = new URL("../packages/runner/bin/train.cjs", import.meta.url).pathname;

/** `n` single-host `train` processes on their own base dirs, started at once: ms to every first line. */
async function direct(name, n) {
  const bases = Array.from({ length: n }, (_, i) => {
    const base = join(root, "direct", `${name}-${i}`);
    for (const [file, text] of Object.entries({
      "input/config/hyperparameters.json": JSON.stringify({ sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(code) }),
      "input/config/inputdataconfig.json": "{}",
      "input/config/resourceconfig.json": JSON.stringify({ current_host: "algo-1", hosts: ["algo-1"] }),
    })) {
      mkdirSync(join(base, file, ".."), { recursive: true });
      writeFileSync(join(base, file), text);
    }
    return base;
  });
  const t0 = Date.now();
  const firsts = await Promise.all(
    bases.map(
      (base) =>
        new Promise((resolve, reject) => {
          let first;
          const child = spawn(process.execPath, [RUNNER], { env: { ...process.env, SAGEMAKER_BASE_DIR: base }, stdio: ["ignore", "pipe", "ignore"] });
          child.stdout.on("data", (d) => (first ??= d.includes("first line from") ? Date.now() - t0 : undefined));
          child.once("close", (code) => (code === 0 && first !== undefined ? resolve(first) : reject(new Error(`train exited ${code}`))));
        }),
    ),
  );
  return Math.max(...firsts);
}

/** `n` copies of a fixed CPU-bound loop started at once: ms until all have ended. */
async function cpuLoad(n) {
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise((resolve, reject) => {
        const child = spawn(python, ["-S", "-c", "x = 0\nfor i in range(4_000_000): x += i"], { stdio: "ignore" });
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`the CPU load exited ${code}`))));
      }),
    ),
  );
  return Date.now() - t0;
}

const torchPython = process.env.OPTML_BENCH_TORCH_PYTHON ?? join(tmpdir(), "optml-test-venvs", "torch", "bin", "python");
const torchCode = join(root, "torch-code");
mkdirSync(torchCode);
writeFileSync(
  join(torchCode, "train.py"),
  "import os, sys\nsys.stdout.write('rank first line ' + os.environ['RANK'] + '\\n'); sys.stdout.flush()\n" +
    "import torch.distributed as dist\ndist.init_process_group('gloo')\ndist.barrier()\ndist.destroy_process_group()\n",
);

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** 2 torchrun processes (node ranks 0 and 1, 2 processes each) started at once: ms to every rank's first line. */
async function torchrunByHand() {
  const port = await freePort();
  const t0 = Date.now();
  const firsts = [];
  await Promise.all(
    [0, 1].map(
      (rank) =>
        new Promise((resolve, reject) => {
          const args = ["-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", String(port), "--node_rank", String(rank), "train.py"];
          const child = spawn(torchPython, args, { cwd: torchCode, stdio: ["ignore", "pipe", "ignore"] });
          createInterface({ input: child.stdout }).on("line", (l) => {
            if (l.startsWith("rank first line")) firsts.push(Date.now() - t0);
          });
          child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`torchrun exited ${code}`))));
        }),
    ),
  );
  if (firsts.length !== 4) throw new Error(`torchrun by hand: ${firsts.length} first lines, not 4`);
  return Math.max(...firsts);
}

async function torchrunJob(name) {
  return latency(name, 2, {
    codeDir: torchCode,
    hyperparameters: { sagemaker_torch_distributed_enabled: "true", sagemaker_mpi_num_of_processes_per_host: "2" },
    environment: { OPTML_PYTHON: torchPython },
    firstLine: "rank first line",
    lines: 4,
  });
}

try {
  if (existsSync(torchPython)) {
    const job = [];
    const byHand = [];
    for (let i = 0; i < runs; i++) {
      job.push(await torchrunJob(`torchrun-${i}`));
      byHand.push(await torchrunByHand());
    }
    const a = median(job);
    const b = median(byHand);
    console.log(`torchrun 2 hosts x 2 processes, creation -> every rank's first line: job ${a} ms, by hand ${b} ms (ratio ${(a / b).toFixed(2)}; target <= 1.3), median of ${runs}`);
  } else {
    console.log(`torchrun: skipped, no Python with PyTorch at ${torchPython} (set OPTML_BENCH_TORCH_PYTHON, or run packages/server/test/distributed.e2e.test.ts once to build it)`);
  }
  const one = [];
  const four = [];
  const oneDirect = [];
  const fourDirect = [];
  for (let i = 0; i < runs; i++) {
    one.push(await latency(`one-${i}`, 1));
    four.push(await latency(`four-${i}`, 4));
    oneDirect.push(await direct(`one-${i}`, 1));
    fourDirect.push(await direct(`four-${i}`, 4));
  }
  const loadOne = [];
  const loadFour = [];
  for (let i = 0; i < runs; i++) {
    loadOne.push(await cpuLoad(1));
    loadFour.push(await cpuLoad(4));
  }
  const a = median(one);
  const b = median(four);
  const c = median(oneDirect);
  const d = median(fourDirect);
  console.log(`creation -> first line on every host: 1 host ${a} ms, 4 hosts ${b} ms (ratio ${(b / a).toFixed(2)}; target < 2), median of ${runs}`);
  console.log(`for scale, train started by hand: 1 process ${c} ms, 4 at once ${d} ms (ratio ${(d / c).toFixed(2)}), on ${availableParallelism()} CPUs`);
  console.log(`the control plane adds per extra host: ${(((b - a) - (d - c)) / 3).toFixed(0)} ms ((4-host job - 1-host job) - (4 by hand - 1 by hand), over 3 hosts; target < 50 ms)`);
  const e = median(loadOne);
  const f = median(loadFour);
  console.log(`the machine: a CPU-bound loop takes ${e} ms alone, ${f} ms with 4 at once (ratio ${(f / e).toFixed(2)}; 2.00 on 2 free cores, 1.00 on 4 or more)`);
  console.log(`python: ${python}`);
} finally {
  sm.destroy();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
