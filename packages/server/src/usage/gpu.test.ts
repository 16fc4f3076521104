/**
 * GPU figures: nvidia-smi's csv read, a host's figures over the GPUs it sees, and a fake
 * `nvidia-smi` on PATH (a script printing fixed csv) answering queryGpus.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostGpuFigures, parseNvidiaSmi, queryGpus } from "./gpu.js";

const MIB = 1024 * 1024;
const CSV = "0, 40, 1024, 4096\n1, 80, 3072, 4096\n2, [N/A], [N/A], 4096\n";

const dir = mkdtempSync(join(tmpdir(), "optml-gpu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GPU utilisation", () => {
  it("reads nvidia-smi's csv, leaving out what it cannot read", () => {
    expect(parseNvidiaSmi(CSV)).toEqual([
      { index: 0, utilizationPercent: 40, memoryUsedBytes: 1024 * MIB, memoryTotalBytes: 4096 * MIB },
      { index: 1, utilizationPercent: 80, memoryUsedBytes: 3072 * MIB, memoryTotalBytes: 4096 * MIB },
    ]);
  });

  it("sums over the GPUs a host sees (0-100 each, as SageMaker's GPUUtilization)", () => {
    const gpus = parseNvidiaSmi(CSV);
    expect(hostGpuFigures(gpus, undefined)).toEqual({ gpuCount: 2, gpuPercent: 120, gpuMemoryPercent: 100, gpuMemoryBytes: 4096 * MIB });
    expect(hostGpuFigures(gpus, "1")).toEqual({ gpuCount: 1, gpuPercent: 80, gpuMemoryPercent: 75, gpuMemoryBytes: 3072 * MIB });
    expect(hostGpuFigures(gpus, "")).toEqual({ gpuCount: 0, gpuPercent: 0, gpuMemoryPercent: 0, gpuMemoryBytes: 0 });
  });

  it("asks the nvidia-smi on PATH; without one, undefined", async () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\nprintf '${CSV.replace(/\n/g, "\\n")}'\n`);
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const path = process.env.PATH;
    try {
      process.env.PATH = `${bin}:${path}`;
      expect((await queryGpus())?.map((g) => g.index)).toEqual([0, 1]);
      process.env.PATH = join(dir, "empty");
      expect(await queryGpus()).toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
  });
});
