#!/usr/bin/env node
/**
 * Control plane benchmarks (issue 4), each against a baseline measured in the same run:
 *   1. CreateTrainingJob -> Completed for a no-op job with one small local channel (JS SDK),
 *      against running the same program under `train` alone;
 *   2. staging a local channel of 1 GiB in 10,000 files, against one of 10 small files;
 *   3. model.tar.gz packaging throughput, against `tar -czf` of the same directory;
 *   4. a job printing 1,000,000 log lines: every line stored, time against the program run directly;
 *   5. DescribeTrainingJob requests per second.
 * Run: npm run build && node bench/control-plane.mjs [--quick] [--only N[,N...]]
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, openSync, closeSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startServer } from "../packages/server/dist/index.js";
import { stageChannel } from "../packages/server/dist/data/channels.js";
import { writeTarGz } from "../packages/server/dist/data/artifacts.js";
import { DataContext } from "../packages/server/dist/data/context.js";

const quick = process.argv.includes("--quick");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt < 0 ? undefined : new Set(process.argv[onlyAt + 1].split(",").map(Number));
const runs = (n) => only === undefined || only.has(n);
const root = mkdtempSync(join(tmpdir(), "optml-bench-cp-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;
const line = (s) => process.stdout.write(`${s}\n`);

function dir(name, files = {}) {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

function request(name, code, program, out, channel) {
  return {
    TrainingJobName: name,
    HyperParameters: { sagemaker_program: JSON.stringify(program), sagemaker_submit_directory: JSON.stringify(code) },
    AlgorithmSpecification: { TrainingImage: "bench:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Bench",
    ...(channel
      ? { InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${channel}` } } }] }
      : {}),
    OutputDataConfig: { S3OutputPath: `file://${out}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

async function waitEnd(sm, name) {
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus !== "InProgress" && d.TrainingJobStatus !== "Stopping") return d;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const server = await startServer({ port: 0, home: join(root, "home"), log: () => undefined, capacity: 2 });
const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
const out = dir("out");

try {
  // 1. Create -> Completed.
  if (runs(1)) {
    const code = dir("noop", { "train.py": "pass\n" });
    const channel = dir("small-channel", { "a.csv": "1,2\n" });
    const runs = quick ? 3 : 7;
    const job = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await sm.send(new CreateTrainingJobCommand(request(`noop-${i}`, code, "train.py", out, channel)));
      const d = await waitEnd(sm, `noop-${i}`);
      if (d.TrainingJobStatus !== "Completed") throw new Error(`noop job ${d.TrainingJobStatus}: ${d.FailureReason}`);
      job.push(performance.now() - t0);
    }
    // Baseline: the same program under train alone, on the job's own base dir.
    const base = join(server.controlPlane.view("noop-0").record.workDir, "algo-1");
    const direct = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ["packages/runner/bin/train.cjs"], { env: { ...process.env, SAGEMAKER_BASE_DIR: base }, stdio: "ignore" });
      direct.push(performance.now() - t0);
    }
    line(`1. create -> Completed, no-op job with a local channel: median ${ms(median(job))} (target < 1000 ms); ` +
      `train alone ${ms(median(direct))}; control plane's share ${ms(median(job) - median(direct))}`);
  }

  // 2. Staging: 1 GiB in 10,000 files against 10 small files.
  if (runs(2)) {
    const files = quick ? 2000 : 10_000;
    const big = dir("big-channel");
    const each = Math.floor((1 << 30) / files);
    for (let i = 0; i < files; i++) {
      const f = join(big, `part-${String(i).padStart(5, "0")}.bin`);
      closeSync(openSync(f, "w"));
      truncateSync(f, each); // sparse: size without writing a gigabyte
    }
    const small = dir("tiny-channel", Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.csv`, "1,2\n"])));
    const time = async (source, n) => {
      const xs = [];
      for (let i = 0; i < 5; i++) {
        const target = join(root, `stage-${n}-${i}`, "input", "data", "train");
        const t0 = performance.now();
        await stageChannel(new DataContext(join(root, "stage-home"), "us-east-1", {}, process.env), { channel: "train", source: { kind: "file", path: source }, sourceUri: `file://${source}`, inputMode: "File", distribution: "FullyReplicated", dataType: "S3Prefix", compression: "None", target });
        xs.push(performance.now() - t0);
      }
      return median(xs);
    };
    const tBig = await time(big, "big");
    const tSmall = await time(small, "small");
    line(`2. staging a local channel: ${files} files / 1 GiB ${ms(tBig)} vs 10 small files ${ms(tSmall)} (ratio ${(tBig / tSmall).toFixed(2)}; target < 100 ms, independent of size)`);
  }

  // 3. Packaging against tar -czf.
  if (runs(3)) {
    const model = dir("model");
    const mb = quick ? 64 : 256;
    // Half random (incompressible), half text-like (compressible): like real checkpoints and logs.
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < mb; i++) {
      if (i % 2 === 0) for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
      else chunk.fill(`weights layer ${i} ` .repeat(8));
      writeFileSync(join(model, `shard-${i}.bin`), chunk);
    }
    const ours = [];
    const theirs = [];
    for (let i = 0; i < 3; i++) {
      let t0 = performance.now();
      await writeTarGz(model, join(root, `ours-${i}.tar.gz`));
      ours.push(performance.now() - t0);
      t0 = performance.now();
      spawnSync("tar", ["-czf", join(root, `theirs-${i}.tar.gz`), "-C", model, "."]);
      theirs.push(performance.now() - t0);
    }
    const o = median(ours);
    const t = median(theirs);
    // The archives (~1 GiB written) go, and are flushed, so the next part runs on a quiet disk.
    for (let i = 0; i < 3; i++) for (const f of [`ours-${i}.tar.gz`, `theirs-${i}.tar.gz`]) rmSync(join(root, f), { force: true });
    rmSync(model, { recursive: true, force: true });
    spawnSync("sync");
    line(`3. model.tar.gz of ${mb} MiB: optml ${(mb / (o / 1000)).toFixed(0)} MiB/s, tar -czf ${(mb / (t / 1000)).toFixed(0)} MiB/s (ratio ${(t / o).toFixed(2)}x; target >= 0.9x)`);
  }

  // 4. A million log lines.
  if (runs(4)) {
    const n = quick ? 200_000 : 1_000_000;
    const program = `import sys\nw = sys.stdout.write\nfor i in range(${n}):\n    w(f"log line {i} loss={i * 1e-6:.6f}\\n")\n`;
    const code = dir("chatty", { "train.py": program });
    // Interleaved repetitions, medians: a 2-core machine's noise is a good part of 15%.
    const reps = quick ? 1 : 3;
    const directs = [];
    const trainings = [];
    const ends = [];
    let lost = 0;
    for (let rep = 0; rep < reps; rep++) {
      const directStart = performance.now();
      const fd = openSync(join(root, "direct.log"), "w");
      spawnSync("python3", [join(code, "train.py")], { stdio: ["ignore", fd, "inherit"] });
      closeSync(fd);
      directs.push(performance.now() - directStart);
      const name = `chatty-${rep}`;
      const t0 = performance.now();
      await sm.send(new CreateTrainingJobCommand(request(name, code, "train.py", out)));
      const d = await waitEnd(sm, name);
      ends.push(performance.now() - t0);
      const training = d.SecondaryStatusTransitions.find((x) => x.Status === "Training");
      trainings.push(training.EndTime.getTime() - training.StartTime.getTime());
      const stored = server.controlPlane.store.db
        .prepare("SELECT COUNT(*) AS n FROM log_events e JOIN log_streams s ON s.id = e.stream_id WHERE s.job = ? AND e.message LIKE 'log line %'")
        .get(name).n;
      lost += n - stored;
    }
    const direct = median(directs);
    const trainingMs = median(trainings);
    line(`4. ${n} log lines, median of ${reps}: ${lost === 0 ? "every line stored" : `${lost} LINES LOST`}; program direct to a file ${ms(direct)}, ` +
      `Training phase of the job ${ms(trainingMs)} (${((trainingMs / direct - 1) * 100).toFixed(0)}% slower; target <= 15%), create -> Completed ${ms(median(ends))}`);
  }

  // 5. DescribeTrainingJob requests per second.
  if (runs(5)) {
    const seconds = quick ? 2 : 5;
    const inFlight = 16;
    let count = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "noop-0" }));
          count++;
        }
      }),
    );
    line(`5. DescribeTrainingJob: ${(count / seconds).toFixed(0)} requests/s (${inFlight} in flight, JS SDK client in the same process)`);
  }
} finally {
  sm.destroy();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
