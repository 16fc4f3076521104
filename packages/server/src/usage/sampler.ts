/**
 * While a job's hosts run, each host's utilisation is sampled every few seconds (default 5;
 * ControlPlaneOptions.utilizationIntervalMs or OPTML_UTILIZATION_INTERVAL_MS) and stored
 * (store/utilization.ts): CPU and memory of the host's processes from /proc (proc.ts), or from
 * where the host runs when its handle says (HostHandle.usage: a Docker container's engine stats), how full
 * the filesystem of its base dir is (statfs), and GPU figures where `nvidia-smi` answers (gpu.ts).
 *
 * Only hosts with figures here are sampled: those whose pids this machine can list
 * (HostHandle.processes: process and netns hosts) and those that give their own (HostHandle.usage:
 * Docker hosts); Slurm hosts are not (they run on other machines).
 */
import { statfs } from "node:fs/promises";
import { totalmem } from "node:os";
import type { HostHandle } from "../executors/types.js";
import type { HostPlan } from "../jobs/plan.js";
import type { UtilizationSample, UtilizationStore } from "../store/utilization.js";
import { hostGpuFigures, queryGpus } from "./gpu.js";
import { CpuMeter, readProcesses } from "./proc.js";

export const UTILIZATION_INTERVAL_VARIABLE = "OPTML_UTILIZATION_INTERVAL_MS";
export const DEFAULT_UTILIZATION_INTERVAL_MS = 5000;

/** The sampling interval: the option, else the environment variable, else 5 s. */
export function utilizationInterval(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const text = env[UTILIZATION_INTERVAL_VARIABLE];
  if (text === undefined || text === "") return DEFAULT_UTILIZATION_INTERVAL_MS;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${UTILIZATION_INTERVAL_VARIABLE}=${text} is not a positive number of milliseconds`);
  return n;
}

/** How full a filesystem is, as df says: used over (used + available to users), in percent. */
export async function diskPercent(path: string): Promise<number | null> {
  try {
    const s = await statfs(path);
    const used = s.blocks - s.bfree;
    const size = used + s.bavail;
    return size > 0 ? (used / size) * 100 : null;
  } catch {
    return null;
  }
}

export interface SampledHost {
  readonly plan: HostPlan;
  readonly handle: HostHandle;
  /** The host's memory, in bytes (the instance's under enforced instance resources); default the machine's. */
  readonly memoryBytes?: number;
}

export interface UtilizationSamplerOptions {
  readonly job: string;
  readonly hosts: readonly SampledHost[];
  readonly store: UtilizationStore;
  readonly intervalMs: number;
  /** Diagnostics (a failed round): the control plane's log. */
  readonly log: (message: string) => void;
}

/** Samples a job's hosts until stopped; start() takes the first CPU reading, each round stores a sample per host. */
export class UtilizationSampler {
  private readonly meters = new Map<string, CpuMeter>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** False once nvidia-smi failed to answer: it is not asked again for this job. */
  private gpus = true;

  constructor(private readonly options: UtilizationSamplerOptions) {}

  private get sampled(): readonly SampledHost[] {
    return this.options.hosts.filter((h) => h.handle.usage !== undefined || h.handle.processes !== undefined);
  }

  start(): void {
    if (this.sampled.length === 0) return;
    for (const h of this.sampled) {
      if (h.handle.usage) continue; // its own CPU readings
      const meter = new CpuMeter();
      meter.next(readProcesses(h.handle.processes!()));
      this.meters.set(h.plan.host, meter);
    }
    this.schedule();
  }

  /** A host's CPU and memory now: from where it runs (HostHandle.usage), else from /proc; undefined when it has none. */
  private async reading(h: SampledHost): Promise<{ cpuPercent: number | null; memoryBytes: number } | undefined> {
    if (h.handle.usage) return h.handle.usage();
    const reading = readProcesses(h.handle.processes!());
    if (reading.processes.size === 0) return undefined;
    return { cpuPercent: this.meters.get(h.plan.host)?.next(reading) ?? null, memoryBytes: reading.rssBytes };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sample()
        .catch((e: Error) => this.options.log(`job ${this.options.job}: utilisation not sampled: ${e.message}`))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  /** One round: every host's figures, stored together. */
  async sample(): Promise<void> {
    // An engine's stats take a moment (two readings): every host's are asked at once, with nvidia-smi.
    const [gpuReadings, readings] = await Promise.all([this.gpus ? queryGpus() : Promise.resolve(undefined), Promise.all(this.sampled.map((h) => this.reading(h)))]);
    if (gpuReadings === undefined) this.gpus = false;
    const timestamp = Date.now() / 1000;
    const samples: UtilizationSample[] = [];
    for (const [i, h] of this.sampled.entries()) {
      const reading = readings[i];
      if (!reading) continue;
      const memoryTotal = h.memoryBytes ?? totalmem();
      const gpu = gpuReadings ? hostGpuFigures(gpuReadings, h.plan.env.CUDA_VISIBLE_DEVICES) : undefined;
      samples.push({
        host: h.plan.host,
        timestamp,
        cpuPercent: reading.cpuPercent,
        memoryPercent: (reading.memoryBytes / memoryTotal) * 100,
        memoryBytes: reading.memoryBytes,
        diskPercent: await diskPercent(h.plan.baseDir),
        gpuCount: gpu?.gpuCount ?? null,
        gpuPercent: gpu?.gpuPercent ?? null,
        gpuMemoryPercent: gpu?.gpuMemoryPercent ?? null,
        gpuMemoryBytes: gpu?.gpuMemoryBytes ?? null,
      });
    }
    if (!this.stopped) this.options.store.add(this.options.job, samples);
  }

  /** No more rounds; one under way stores nothing (a slow nvidia-smi does not hold up the job's end). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
