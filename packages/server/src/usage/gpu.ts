/**
 * GPU utilisation and memory from `nvidia-smi` (the machine's GPUs, read once per sampling round
 * for every host): `--query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`.
 * A host's figures are over the GPUs it sees (its CUDA_VISIBLE_DEVICES, else all of them), summed
 * as SageMaker's GPUUtilization and GPUMemoryUtilization are (0-100 per GPU).
 */
import { execFile } from "node:child_process";

export interface GpuReading {
  readonly index: number;
  /** utilization.gpu, percent. */
  readonly utilizationPercent: number;
  readonly memoryUsedBytes: number;
  readonly memoryTotalBytes: number;
}

const MIB = 1024 * 1024;

export const NVIDIA_SMI_ARGS = ["--query-gpu=index,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"];

/** The GPUs of nvidia-smi's csv answer (memory in MiB); lines it cannot read (`[N/A]`) are left out. */
export function parseNvidiaSmi(text: string): GpuReading[] {
  const gpus: GpuReading[] = [];
  for (const line of text.split("\n")) {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 4) continue;
    const [index, utilization, used, total] = cells.map(Number) as [number, number, number, number];
    if (![index, utilization, used, total].every(Number.isFinite)) continue;
    gpus.push({ index, utilizationPercent: utilization, memoryUsedBytes: used * MIB, memoryTotalBytes: total * MIB });
  }
  return gpus;
}

/** The machine's GPUs, or undefined when nvidia-smi is not there or does not answer in time. */
export function queryGpus(timeoutMs = 5000): Promise<GpuReading[] | undefined> {
  return new Promise((resolve) => {
    execFile("nvidia-smi", NVIDIA_SMI_ARGS, { timeout: timeoutMs, encoding: "utf8" }, (error, stdout) => {
      resolve(error ? undefined : parseNvidiaSmi(stdout));
    });
  });
}

export interface HostGpuFigures {
  readonly gpuCount: number;
  readonly gpuPercent: number;
  readonly gpuMemoryPercent: number;
  readonly gpuMemoryBytes: number;
}

/**
 * A host's figures over the GPUs it sees: `visible` is its CUDA_VISIBLE_DEVICES (indices, or
 * undefined for all; UUIDs and names other than indices are taken as all).
 */
export function hostGpuFigures(gpus: readonly GpuReading[], visible: string | undefined): HostGpuFigures {
  let seen = gpus;
  if (visible !== undefined && /^\s*\d+(\s*,\s*\d+)*\s*$/.test(visible)) {
    const indices = new Set(visible.split(",").map((s) => Number(s.trim())));
    seen = gpus.filter((g) => indices.has(g.index));
  } else if (visible !== undefined && visible.trim() === "") {
    seen = [];
  }
  let gpuPercent = 0;
  let gpuMemoryPercent = 0;
  let gpuMemoryBytes = 0;
  for (const g of seen) {
    gpuPercent += g.utilizationPercent;
    gpuMemoryPercent += g.memoryTotalBytes > 0 ? (g.memoryUsedBytes / g.memoryTotalBytes) * 100 : 0;
    gpuMemoryBytes += g.memoryUsedBytes;
  }
  return { gpuCount: seen.length, gpuPercent, gpuMemoryPercent, gpuMemoryBytes };
}
