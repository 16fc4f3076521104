/**
 * Host utilisation sampled while a job runs (every 200 ms here): a training program busy on one
 * core for about 3 s has samples for algo-1 with CPU near one core's worth and its memory; no
 * sample is added once the job has ended; DeleteTrainingJob deletes them; with an `nvidia-smi` on
 * PATH (a fake printing fixed csv) the GPU figures are stored.
 */
import { CreateTrainingJobCommand, DeleteTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

// Busy on one core for `SECONDS` (3 unless the environment says), holding ~50 MB.
const BUSY = `
import os, time
hold = bytearray(50 * 1024 * 1024)
end = time.time() + float(os.environ.get("SECONDS_BUSY", "3"))
n = 0
while time.time() < end:
    n += 1
print("loops", n, len(hold), flush=True)
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ utilizationIntervalMs: 200 });
});
afterAll(async () => {
  await h?.close();
});

function busyJob(name: string, seconds = 3) {
  return scriptModeRequest({ name, codeDir: h.code({ "train.py": BUSY }), program: "train.py", outputDir: h.output(), environment: { SECONDS_BUSY: String(seconds) } });
}

describe("host utilisation", () => {
  it("a busy job's algo-1 samples show about a core and its memory; none are added after the end; they go with the job", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(busyJob("util-busy") as never));
    const d = await h.waitForEnd("util-busy");
    expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
    const cp = h.server.controlPlane;
    const { series, latest } = cp.utilization("util-busy");
    expect(series.length).toBeGreaterThanOrEqual(3);
    expect(new Set(series.map((s) => s.host))).toEqual(new Set(["algo-1"]));
    // Near one core's worth in at least one sample (this machine is shared); never two cores' worth much over.
    expect(Math.max(...series.map((s) => s.cpuPercent ?? 0))).toBeGreaterThan(50);
    expect(series.every((s) => s.memoryBytes !== null && s.memoryBytes > 0)).toBe(true);
    expect(Math.max(...series.map((s) => s.memoryBytes!))).toBeGreaterThan(50 * 1024 * 1024);
    expect(series.every((s) => s.memoryPercent! > 0 && s.memoryPercent! < 100)).toBe(true);
    expect(series.every((s) => s.diskPercent! > 0 && s.diskPercent! <= 100)).toBe(true);
    expect(latest).toEqual([series[series.length - 1]]);
    // Samples stop with the job: a second later (five intervals) there are no more.
    await sleep(1000);
    expect(cp.utilization("util-busy").series.length).toBe(series.length);
    await h.sagemaker.send(new DeleteTrainingJobCommand({ TrainingJobName: "util-busy" }));
    expect(cp.store.utilization.series("util-busy")).toEqual([]);
  });

  it("with nvidia-smi on PATH, each sample holds its GPU figures", async () => {
    const bin = join(h.root, "fake-gpu-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "nvidia-smi"), "#!/bin/sh\nprintf '0, 30, 2048, 8192\\n1, 70, 4096, 8192\\n'\n");
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await h.sagemaker.send(new CreateTrainingJobCommand(busyJob("util-gpu", 1) as never));
      const d = await h.waitForEnd("util-gpu");
      expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
    } finally {
      process.env.PATH = path;
    }
    const { series } = h.server.controlPlane.utilization("util-gpu");
    expect(series.length).toBeGreaterThanOrEqual(1);
    for (const s of series) {
      expect([s.gpuCount, s.gpuPercent, s.gpuMemoryPercent, s.gpuMemoryBytes]).toEqual([2, 100, 75, 6144 * 1024 * 1024]);
    }
  });
});
