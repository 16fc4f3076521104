/**
 * CPU and memory of a set of processes, from /proc: the CPU time each has used (utime + stime of
 * /proc/<pid>/stat) and its resident memory (VmRSS of /proc/<pid>/status). This works for every
 * executor that can list a host's pids and on any cgroup setup (the hosts' cgroups are in the v1
 * freezer hierarchy only, which counts neither CPU nor memory).
 *
 * CpuMeter turns two readings into CPUUtilization as SageMaker reports it: the percent of one core,
 * summed over cores (a program busy on two cores reads about 200). A process that started and
 * ended between two readings is not seen, and what a process used in its last interval before it
 * ended is lost (cutime is not counted: it would count a reaped child's whole life at once).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second (the unit of utime and stime). */
function clockTicks(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

let ticksPerSecond: number | undefined;

export interface ProcessUsage {
  /** `<pid>:<start ticks>`: a pid that the kernel reused is another process. */
  readonly id: string;
  /** CPU time used so far (user + system), in seconds. */
  readonly cpuSeconds: number;
  /** Resident memory, in bytes. */
  readonly rssBytes: number;
}

/** The usage of one process, or undefined when it is gone (or a zombie). */
export function processUsage(pid: number): ProcessUsage | undefined {
  ticksPerSecond ??= clockTicks();
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const start = fields[19];
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return { id: `${pid}:${start}`, cpuSeconds: (utime + stime) / ticksPerSecond, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
}

export interface ProcessesReading {
  /** When it was read, in milliseconds (performance.now()'s clock, not the wall's). */
  readonly at: number;
  readonly processes: ReadonlyMap<string, number>;
  /** Resident memory of them all, in bytes (shared pages counted once per process). */
  readonly rssBytes: number;
}

/** Read every process of `pids` that is still there. */
export function readProcesses(pids: readonly number[]): ProcessesReading {
  const processes = new Map<string, number>();
  let rssBytes = 0;
  for (const pid of new Set(pids)) {
    const u = processUsage(pid);
    if (!u) continue;
    processes.set(u.id, u.cpuSeconds);
    rssBytes += u.rssBytes;
  }
  return { at: performance.now(), processes, rssBytes };
}

/**
 * CPU percent between readings of the same host: the CPU seconds each process used since the
 * last reading (all of a process's seconds when it is new since then), over the seconds between
 * them, times 100. The first reading gives undefined (there is nothing to compare it with).
 */
export class CpuMeter {
  private last: ProcessesReading | undefined;

  next(reading: ProcessesReading): number | undefined {
    const last = this.last;
    this.last = reading;
    if (!last) return undefined;
    const seconds = (reading.at - last.at) / 1000;
    if (seconds <= 0) return undefined;
    let used = 0;
    for (const [id, cpu] of reading.processes) used += Math.max(0, cpu - (last.processes.get(id) ?? 0));
    return (used / seconds) * 100;
  }
}
