#!/usr/bin/env node
/**
 * The cost of containment (issue 19): creation to the program's first line (read from the log
 * store) for a single-host process job whose host is in a cgroup of its own, against the same job
 * with cgroups off (OPTML_CGROUPS=off), in one run: two control planes, one each way, jobs taken
 * in turn. It also prints creation to Completed, which includes killing what is left in the
 * host's cgroup and removing it. Target: at most 1.1x. Needs root (cgroups); without it both ways
 * run uncontained and it says so.
 * Run: npm run build && node bench/containment.mjs [runs]
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../packages/server/dist/index.js";
import { machineHierarchy } from "../packages/server/dist/executors/cgroups.js";

const runs = Number(process.argv[2] ?? 11);
const { hierarchy, why } = machineHierarchy();
console.log(hierarchy ? `hosts in cgroups: ${hierarchy.kind} at ${hierarchy.mountPoint}` : `no cgroups here (${why}): both ways are uncontained`);
const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
process.env.OPTML_PYTHON = python; // the real binary, not a pyenv shim
const root = mkdtempSync(join(tmpdir(), "optml-bench-containment-"));
const code = join(root, "code");
mkdirSync(code);
writeFileSync(join(code, "train.py"), "print('first line', flush=True)\n");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A control plane with cgroups on or off (read from OPTML_CGROUPS when it starts). */
async function controlPlane(cgroups) {
  process.env.OPTML_CGROUPS = cgroups ? "on" : "off";
  const server = await startServer({ port: 0, home: join(root, cgroups ? "on" : "off"), log: () => undefined, capacity: 1 });
  const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
  return { server, sm };
}

async function job({ server, sm }, name) {
  const t0 = Date.now();
  await sm.send(new CreateTrainingJobCommand({
    TrainingJobName: name,
    HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(code) },
    AlgorithmSpecification: { TrainingImage: "bench:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Bench",
    OutputDataConfig: { S3OutputPath: `file://${join(root, "out")}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  }));
  let d;
  for (;;) {
    d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 10));
  }
  if (d.TrainingJobStatus !== "Completed") throw new Error(`${name}: ${d.TrainingJobStatus}: ${d.FailureReason}`);
  const store = server.controlPlane.store;
  const first = store.logs.streamsOfJob(name).flatMap((s) =>
    store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).filter((e) => e.message === "first line").map((e) => e.timestamp),
  );
  if (first.length !== 1) throw new Error(`${name}: no first line`);
  return { firstLine: first[0] - t0, completed: d.TrainingEndTime.getTime() - t0 };
}

const on = await controlPlane(true);
const off = await controlPlane(false);
const results = { on: [], off: [] };
try {
  for (let i = 0; i < runs + 1; i++) {
    const a = await job(on, `on-${i}`);
    const b = await job(off, `off-${i}`);
    if (i === 0) continue; // warm-up
    results.on.push(a);
    results.off.push(b);
  }
} finally {
  for (const { server, sm } of [on, off]) {
    sm.destroy();
    await server.close();
  }
  rmSync(root, { recursive: true, force: true });
}
const m = (way, key) => median(results[way].map((r) => r[key]));
for (const key of ["firstLine", "completed"]) {
  const label = key === "firstLine" ? "creation to first line" : "creation to Completed (TrainingEndTime)";
  console.log(`${label}: cgroups ${m("on", key)} ms, without ${m("off", key)} ms, ratio ${(m("on", key) / m("off", key)).toFixed(2)}x (median of ${runs})`);
}
const ratio = m("on", "firstLine") / m("off", "firstLine");
console.log(ratio <= 1.1 ? "target (at most 1.1x) met" : "target (at most 1.1x) NOT met");
