/**
 * One host of a container job: its container on the engine, followed from any control plane.
 *
 * Output offset: the number of bytes of the container's output (stdout and stderr payloads, in the
 * order the engine logged them, without frame headers) before the chunk's end. The container keeps
 * its whole log (json-file driver) until `release` removes it, so `output(n)` reads the log from
 * the start with `follow=1` and skips the first n bytes: a reattached host resumes exactly where
 * the store stopped, without a lost or doubled line, whatever happened in between. Once the
 * container has stopped, one more read without `follow` takes what the followed read missed.
 *
 * Exit: `POST /containers/{id}/wait`; the code is also written to the host's exit file, so that a
 * host whose container was removed (after the job's end) still has its result after a restart.
 * Under enforced instance resources, a host whose container the engine says the kernel killed for
 * memory (State.OOMKilled) fails with the process executor's OutOfMemoryError reason.
 *
 * Usage: CPU and memory from the engine's stats (`GET /containers/{id}/stats?stream=false`), as
 * `docker stats` computes them: CPU over the engine's two readings a moment apart, in percent of
 * one core summed over cores; memory used less the inactive page cache.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { readExitFile, writeExitFile } from "../exit-file.js";
import { outOfMemoryReason } from "../resources.js";
import type { HostExit, HostHandle, HostUsage, OutputChunk } from "../types.js";
import { DockerError, type DockerEngine } from "./engine.js";
import { ByteSkipper, FrameDecoder } from "./frames.js";

export interface DockerHostState {
  readonly kind: "docker";
  readonly host: string;
  readonly containerId: string;
  readonly containerName: string;
  readonly socketPath: string;
  readonly exitFile: string;
  /** Why the container could not start (it then has no output but this). */
  readonly startError?: string;
  /** The container's memory limit and the instance type it came from (under --instance-resources enforce). */
  readonly limits?: { readonly memoryBytes: number; readonly instanceType: string };
}

/** How long output must be quiet before an empty chunk says so. */
const QUIET_MS = 150;

interface ContainerState {
  readonly Running?: boolean;
  readonly Status?: string;
  readonly ExitCode?: number;
  readonly OOMKilled?: boolean;
}

/** The parts of the engine's container stats read here (cgroup v1 and v2 alike). */
export interface ContainerStats {
  readonly cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  readonly precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  readonly memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * CPU (percent of one core, summed over cores) and memory (bytes) of a stats answer, as `docker
 * stats` computes them; undefined for a container that is not running (no figures in the answer).
 */
export function usageOfStats(s: ContainerStats): HostUsage | undefined {
  const memory = s.memory_stats?.usage;
  if (memory === undefined) return undefined;
  const stats = s.memory_stats?.stats ?? {};
  // Page cache the kernel can take back is not the program's (v1: total_inactive_file; v2: inactive_file).
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cores = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  const measured = s.precpu_stats?.system_cpu_usage !== undefined && systemDelta > 0 && cpuDelta >= 0;
  return { cpuPercent: measured ? (cpuDelta / systemDelta) * cores * 100 : null, memoryBytes: Math.max(0, memory - (inactive < memory ? inactive : 0)) };
}

export class DockerHost implements HostHandle {
  readonly exited: Promise<HostExit>;

  constructor(
    readonly state: DockerHostState,
    private readonly engine: DockerEngine,
  ) {
    this.exited = this.watch();
  }

  get host(): string {
    return this.state.host;
  }

  private path(rest: string): string {
    return `/containers/${encodeURIComponent(this.state.containerId)}${rest}`;
  }

  private async inspect(): Promise<ContainerState | undefined> {
    try {
      return ((await this.engine.call("GET", this.path("/json"))) as { State?: ContainerState }).State;
    } catch (e) {
      if (e instanceof DockerError && e.status === 404) return undefined;
      throw e;
    }
  }

  private async watch(): Promise<HostExit> {
    const known = readExitFile(this.state.exitFile);
    if (known) return this.ended(known);
    let exitCode: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = (await this.engine.call("POST", this.path("/wait"), { query: { condition: "not-running" } })) as { StatusCode?: number };
        exitCode = typeof answer?.StatusCode === "number" ? answer.StatusCode : null;
        break;
      } catch (e) {
        // The container is gone (removed by someone else): no exit code to know, unless recorded.
        if (e instanceof DockerError && e.status === 404) {
          return this.ended(readExitFile(this.state.exitFile) ?? { exitCode: null });
        }
        // The engine went away for a moment (restart): ask again, then give up.
        if (attempt >= 30) return { exitCode: null };
        await sleep(1000);
      }
    }
    await writeExitFile(this.state.exitFile, exitCode).catch(() => undefined);
    return this.ended({ exitCode });
  }

  /** A host under instance limits that failed: OutOfMemoryError when the engine says the kernel killed it for memory. */
  private async ended(exit: HostExit): Promise<HostExit> {
    const limits = this.state.limits;
    if (!limits || exit.exitCode === 0 || exit.failure) return exit;
    const state = await this.inspect().catch(() => undefined);
    return state?.OOMKilled ? { ...exit, failure: outOfMemoryReason(this.state.host, limits) } : exit;
  }

  /** The container's CPU and memory now (the engine's stats); undefined when it does not run or the engine does not answer. */
  async usage(): Promise<HostUsage | undefined> {
    try {
      return usageOfStats((await this.engine.call("GET", this.path("/stats"), { query: { stream: 0 }, timeoutMs: 10_000 })) as ContainerStats);
    } catch {
      return undefined;
    }
  }

  async *output(fromOffset: number, signal: AbortSignal): AsyncIterable<OutputChunk> {
    const prefix = this.state.startError ? Buffer.from(`[optml] the container could not start: ${this.state.startError}\n`) : undefined;
    let given = fromOffset;
    /** The container has stopped: one more read, without follow, takes what the followed read missed. */
    let last = false;
    for (;;) {
      if (signal.aborted) return;
      // Each read goes over the output from its start, and skips what was already given.
      const skip = new ByteSkipper(given);
      const first = prefix && skip.take(prefix);
      if (first) {
        given = first.offset;
        yield first;
      }
      let res;
      try {
        res = await this.engine.stream("GET", this.path("/logs"), { query: { follow: last ? 0 : 1, stdout: 1, stderr: 1 }, signal });
      } catch (e) {
        if (signal.aborted || (e instanceof DockerError && e.status === 404)) return;
        await sleep(1000);
        continue;
      }
      const decoder = new FrameDecoder();
      const chunks = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      let next = chunks.next();
      let quietSinceYield = true;
      try {
        for (;;) {
          // After output, a quiet spell yields an empty chunk, so that a reader that stores in
          // batches (the log pump flushes when a chunk comes) stores the last lines without waiting.
          const step = quietSinceYield ? await next : await Promise.race([next, sleep(QUIET_MS).then(() => undefined)]);
          if (step === undefined) {
            quietSinceYield = true;
            yield { data: Buffer.alloc(0), offset: given };
            continue;
          }
          if (step.done) break;
          next = chunks.next();
          for (const payload of decoder.push(step.value)) {
            const r = skip.take(payload);
            if (!r) continue;
            given = r.offset;
            quietSinceYield = false;
            yield r;
          }
        }
      } catch {
        if (signal.aborted) return;
      } finally {
        res.destroy();
      }
      // The stream ends when the container stops; if it still runs, the connection broke: read on.
      const state = await this.inspect().catch(() => undefined);
      if (!state?.Running) {
        // A followed read can end at the container's exit before it gave the last lines (seen under load).
        if (last) return;
        last = true;
      }
    }
  }

  private signal(name: "SIGTERM" | "SIGKILL"): void {
    this.engine.call("POST", this.path("/kill"), { query: { signal: name } }).catch(() => undefined); // not running (any more): nothing to do
  }

  terminate(): void {
    this.signal("SIGTERM");
  }

  kill(): void {
    this.signal("SIGKILL");
  }
}
