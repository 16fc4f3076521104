/**
 * Docker hosts under `--instance-resources enforce`, through the API on a control plane whose
 * executor is the container executor, with the Node test image (its `train` is @optml/runner): a
 * program allocating past an ml.t3.medium's 4 GiB is killed by the kernel and the job fails with
 * the process executor's OutOfMemoryError; the container's cgroup shows the instance's memory and
 * vCPUs, and SM_NUM_CPUS says so; and a busy container's CPU and memory are sampled from the
 * engine's stats into the utilisation store.
 */
import { CreateTrainingJobCommand, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { buildNodeImage, dockerUnavailableReason, imageRequest, removeTestImages } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";

const unavailable = dockerUnavailableReason();
const NODE_IMAGE = "optml-test/node-runner:limits";
const GiB = 1024 ** 3;
let h: Harness;
let executor: DockerExecutor;
const home = mkdtempSync(join(tmpdir(), "optml-docker-limits-"));

// Allocates (and touches: Buffer.alloc fills) 256 MiB at a time, up to 8 GiB.
const ALLOCATOR = `
const kept = [];
for (let i = 1; i <= 32; i++) {
  kept.push(Buffer.alloc(256 * 1024 * 1024, 1));
  console.log("allocated", i * 256, "MiB");
}
console.log("survived");
`;

// What the container's cgroup gives it (v2 or v1), and what train said.
const LIMITS = `
import { readFileSync } from "node:fs";
const read = (...files) => { for (const f of files) { try { return readFileSync(f, "utf8").trim(); } catch {} } return "none"; };
console.log("memory limit", read("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"));
console.log("cpu quota", read("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"));
console.log("SM_NUM_CPUS", process.env.SM_NUM_CPUS);
`;

// One core busy for 4 s.
const BUSY = `
const end = Date.now() + 4000;
let x = 0;
while (Date.now() < end) x++;
console.log("spun", x > 0);
`;

/**
 * The program's directory comes in as a file:// channel, which the container has mounted at the
 * same path: `train` takes that path as its submit directory.
 */
function job(name: string, program: string, instanceType = "ml.t3.medium") {
  const dir = h.code({ "train.mjs": program });
  const req = imageRequest(name, NODE_IMAGE, {
    instanceType,
    hyperparameters: { sagemaker_program: '"train.mjs"', sagemaker_submit_directory: JSON.stringify(dir) },
  });
  const code = { ChannelName: "code", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${dir}` } } };
  return new CreateTrainingJobCommand({ ...req, InputDataConfig: [code] } as CreateTrainingJobCommandInput);
}

function logText(name: string): string {
  return h.hostLog(name).join("\n");
}

describe.skipIf(unavailable !== undefined)(`Docker hosts under --instance-resources enforce${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    if (totalmem() < 6 * GiB) throw new Error("the out-of-memory test allocates past 4 GiB: run it on a machine with at least 6 GiB of memory");
    executor = new DockerExecutor({ home, gpus: false });
    await buildNodeImage(executor.engine, NODE_IMAGE);
    h = await startHarness({ executor, stopGraceSeconds: 2, instanceResources: "enforce", utilizationIntervalMs: 300 });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    if (executor) {
      await executor.reclaim([]);
      await removeTestImages(executor.engine, [NODE_IMAGE]);
    }
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("a program allocating past an ml.t3.medium's 4 GiB fails the job with OutOfMemoryError naming the limit", async () => {
    await h.sagemaker.send(job("docker-oom", ALLOCATOR));
    const d = await h.waitForEnd("docker-oom", 180_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^OutOfMemoryError: Please use an instance type with more memory/);
    expect(d.FailureReason).toContain("the training program on algo-1 used more than the 4 GiB of ml.t3.medium");
    const log = logText("docker-oom");
    expect(log).toContain("allocated 256 MiB");
    expect(log).not.toContain("survived");
    const wire = await h.describedOnTheWire("docker-oom");
    expect(wire.OptmlWarnings).toBeUndefined();
  }, 200_000);

  it("the container's cgroup has the instance's memory and vCPUs; SM_NUM_CPUS says the vCPUs", async () => {
    await h.sagemaker.send(job("docker-limits", LIMITS));
    const d = await h.waitForEnd("docker-limits");
    expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
    const log = logText("docker-limits");
    expect(log).toContain(`memory limit ${4 * GiB}`);
    // ml.t3.medium: 2 vCPUs (this machine has at least that many, or the cap says fewer).
    const cpus = Math.min(2, (await import("node:os")).cpus().length);
    expect(log).toMatch(new RegExp(`cpu quota (${cpus * 100000} 100000|${cpus * 100000})`));
    expect(log).toContain(`SM_NUM_CPUS ${cpus}`);
  });

  it("a busy container's CPU and memory are sampled from the engine's stats", async () => {
    await h.sagemaker.send(job("docker-busy", BUSY));
    const d = await h.waitForEnd("docker-busy");
    expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
    const { series } = h.server.controlPlane.utilization("docker-busy");
    expect(series.length).toBeGreaterThanOrEqual(2);
    expect(new Set(series.map((s) => s.host))).toEqual(new Set(["algo-1"]));
    expect(Math.max(...series.map((s) => s.cpuPercent ?? 0))).toBeGreaterThan(50);
    expect(series.every((s) => s.memoryBytes !== null && s.memoryBytes > 0)).toBe(true);
    expect(series.every((s) => s.memoryPercent! > 0 && s.memoryPercent! < 100)).toBe(true);
    // Under enforce, memory use is a share of the instance's 4 GiB (ml.t3.medium), not of the machine's.
    for (const s of series) expect(s.memoryPercent!).toBeCloseTo((s.memoryBytes! / (4 * GiB)) * 100, 6);
  });
});
