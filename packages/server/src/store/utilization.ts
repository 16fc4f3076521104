/**
 * Each host's utilisation over time (table host_utilization): CPU, memory, disk and GPU figures
 * sampled every few seconds while the host runs (usage/sampler.ts), for the dashboard and the
 * CloudWatch instance metrics of a host `<job>/algo-N`. Percentages are as SageMaker publishes
 * them: CPU and GPU summed over cores/GPUs (0-100 each, so 0-400 on four), memory and disk 0-100.
 * Rows go with their job (ON DELETE CASCADE).
 */
import type Database from "better-sqlite3";

export interface UtilizationSample {
  readonly host: string;
  /** Epoch seconds. */
  readonly timestamp: number;
  /** CPUUtilization: percent of one core, summed over cores (can exceed 100). */
  readonly cpuPercent: number | null;
  /** MemoryUtilization: resident memory as a percent of the host's memory (0-100). */
  readonly memoryPercent: number | null;
  /** Resident memory of the host's processes, in bytes. */
  readonly memoryBytes: number | null;
  /** DiskUtilization: how full the filesystem of the host's base dir is (0-100). */
  readonly diskPercent: number | null;
  /** GPUs the host sees; null where `nvidia-smi` does not answer. */
  readonly gpuCount: number | null;
  /** GPUUtilization: percent summed over the host's GPUs (0-100 each). */
  readonly gpuPercent: number | null;
  /** GPUMemoryUtilization: memory used as a percent of each GPU's, summed over the host's GPUs. */
  readonly gpuMemoryPercent: number | null;
  /** GPU memory used, in bytes, over the host's GPUs. */
  readonly gpuMemoryBytes: number | null;
}

/** The figures published as CloudWatch instance metrics, by their metric names. */
export type UtilizationFigure = "CPUUtilization" | "MemoryUtilization" | "DiskUtilization" | "GPUUtilization" | "GPUMemoryUtilization";

const FIGURE_COLUMNS: Readonly<Record<UtilizationFigure, string>> = {
  CPUUtilization: "cpu_percent",
  MemoryUtilization: "memory_percent",
  DiskUtilization: "disk_percent",
  GPUUtilization: "gpu_percent",
  GPUMemoryUtilization: "gpu_memory_percent",
};
const FIGURE_KEYS: Readonly<Record<UtilizationFigure, "cpu" | "memory" | "disk" | "gpu" | "gpuMemory">> = {
  CPUUtilization: "cpu",
  MemoryUtilization: "memory",
  DiskUtilization: "disk",
  GPUUtilization: "gpu",
  GPUMemoryUtilization: "gpuMemory",
};
export const UTILIZATION_FIGURES = Object.keys(FIGURE_COLUMNS) as readonly UtilizationFigure[];

export interface UtilizationHost {
  readonly job: string;
  /** `algo-N`. */
  readonly host: string;
  /** Epoch seconds of the host's last sample. */
  readonly last: number;
  /** The figures some sample of the host has. */
  readonly figures: readonly UtilizationFigure[];
}

interface Row {
  host: string;
  timestamp: number;
  cpu_percent: number | null;
  memory_percent: number | null;
  memory_bytes: number | null;
  disk_percent: number | null;
  gpu_count: number | null;
  gpu_percent: number | null;
  gpu_memory_percent: number | null;
  gpu_memory_bytes: number | null;
}

const COLUMNS = "host, timestamp, cpu_percent, memory_percent, memory_bytes, disk_percent, gpu_count, gpu_percent, gpu_memory_percent, gpu_memory_bytes";

function fromRow(r: Row): UtilizationSample {
  return {
    host: r.host,
    timestamp: r.timestamp,
    cpuPercent: r.cpu_percent,
    memoryPercent: r.memory_percent,
    memoryBytes: r.memory_bytes,
    diskPercent: r.disk_percent,
    gpuCount: r.gpu_count,
    gpuPercent: r.gpu_percent,
    gpuMemoryPercent: r.gpu_memory_percent,
    gpuMemoryBytes: r.gpu_memory_bytes,
  };
}

export class UtilizationStore {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT OR REPLACE INTO host_utilization (job, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  add(job: string, samples: readonly UtilizationSample[]): void {
    if (samples.length === 0) return;
    this.db.transaction(() => {
      for (const s of samples) {
        this.insert.run(job, s.host, s.timestamp, s.cpuPercent, s.memoryPercent, s.memoryBytes, s.diskPercent, s.gpuCount, s.gpuPercent, s.gpuMemoryPercent, s.gpuMemoryBytes);
      }
    })();
  }

  /** A job's samples in time order, of one host or of all (then by host, then time). */
  series(job: string, host?: string): UtilizationSample[] {
    const rows =
      host === undefined
        ? this.db.prepare(`SELECT ${COLUMNS} FROM host_utilization WHERE job = ? ORDER BY host, timestamp`).all(job)
        : this.db.prepare(`SELECT ${COLUMNS} FROM host_utilization WHERE job = ? AND host = ? ORDER BY timestamp`).all(job, host);
    return (rows as Row[]).map(fromRow);
  }

  /**
   * Every job's sampled hosts with, for each figure, whether any sample has it and the time of the
   * last sample (CloudWatch's ListMetrics), by job and host.
   */
  hosts(): UtilizationHost[] {
    return (
      this.db
        .prepare(
          `SELECT job, host, MAX(timestamp) AS last, COUNT(cpu_percent) AS cpu, COUNT(memory_percent) AS memory, COUNT(disk_percent) AS disk,
                  COUNT(gpu_percent) AS gpu, COUNT(gpu_memory_percent) AS gpuMemory
           FROM host_utilization GROUP BY job, host ORDER BY job, host`,
        )
        .all() as (Omit<UtilizationHost, "figures"> & Record<"cpu" | "memory" | "disk" | "gpu" | "gpuMemory", number>)[]
    ).map((r) => ({
      job: r.job,
      host: r.host,
      last: r.last,
      figures: (Object.keys(FIGURE_COLUMNS) as UtilizationFigure[]).filter((f) => r[FIGURE_KEYS[f]] > 0),
    }));
  }

  /** One figure of one host's samples with timestamp in [startTime, endTime), those that have it, in time order. */
  valuesBetween(job: string, host: string, figure: UtilizationFigure, startTime: number, endTime: number): { timestamp: number; value: number }[] {
    const column = FIGURE_COLUMNS[figure];
    return this.db
      .prepare(
        `SELECT timestamp, ${column} AS value FROM host_utilization
         WHERE job = ? AND host = ? AND timestamp >= ? AND timestamp < ? AND ${column} IS NOT NULL ORDER BY timestamp`,
      )
      .all(job, host, startTime, endTime) as { timestamp: number; value: number }[];
  }

  /** Each host's latest sample, in host order. */
  latest(job: string): UtilizationSample[] {
    return (
      this.db
        .prepare(
          `SELECT ${COLUMNS} FROM host_utilization u
           WHERE job = ? AND timestamp = (SELECT MAX(timestamp) FROM host_utilization WHERE job = u.job AND host = u.host)
           ORDER BY host`,
        )
        .all(job) as Row[]
    ).map(fromRow);
  }
}
