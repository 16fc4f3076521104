/**
 * A job's data around its hosts, in three of the lifecycle's steps: staged before the hosts start
 * (channels, checkpoints restored), kept in sync while they run (Pipe mode FIFOs served,
 * checkpoints and intermediate output uploaded), and synced once more after they exit.
 * (Artifacts are uploaded by the lifecycle through artifacts.ts.)
 */
import { contractPaths } from "@optml/contract";
import type { HostPlan, JobPlan } from "../jobs/plan.js";
import { stageChannel } from "./channels.js";
import { restoreCheckpoints } from "./checkpoints.js";
import type { DataContext } from "./context.js";
import { DirectorySync } from "./dir-sync.js";
import { DataError } from "./errors.js";
import { PipeChannel } from "./pipe.js";

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export class JobData {
  private readonly restored = new Map<string, string[]>();
  private pipes: PipeChannel[] = [];
  private syncs: DirectorySync[] = [];

  constructor(
    private readonly data: DataContext,
    private readonly plan: JobPlan,
    private readonly log: (message: string) => void,
  ) {}

  /** Before a host starts (its base dir laid out): its channels, then its checkpoints. */
  async stageHost(host: HostPlan, signal?: AbortSignal): Promise<void> {
    for (const placement of host.channels) {
      const started = Date.now();
      const staged = await stageChannel(this.data, placement, signal);
      if (staged.objects !== undefined) {
        const cached = placement.source.kind === "s3" && (placement.inputMode !== "Pipe" || placement.nodeFeed) ? `, ${staged.fromCache} from the cache` : "";
        this.log(
          `job ${this.plan.name}: ${placement.inputMode} channel '${placement.channel}' on ${host.host}: ${staged.objects} object(s), ${size(staged.bytes ?? 0)}${cached}, in ${Date.now() - started} ms`,
        );
      }
    }
    if (this.plan.checkpoints && host.checkpointDir) {
      this.restored.set(host.host, await restoreCheckpoints(this.data, this.plan.checkpoints.uri, host.checkpointDir, signal));
    }
  }

  /** When the hosts have started: serve Pipe mode channels, upload checkpoints and intermediate output as they are written. */
  async startSync(onFatal: (error: DataError) => void): Promise<void> {
    const interval = this.data.syncIntervalMs;
    for (const host of this.plan.hosts) {
      for (const placement of host.channels) {
        // A channel fed on the host's node has its feeder there.
        if (placement.inputMode !== "Pipe" || placement.nodeFeed) continue;
        const pipe = new PipeChannel(this.data, placement, onFatal);
        pipe.start();
        this.pipes.push(pipe);
      }
      if (this.plan.checkpoints && host.checkpointDir) {
        const sync = new DirectorySync(this.data, {
          dir: host.checkpointDir,
          destination: this.plan.checkpoints.uri,
          intervalMs: interval,
          what: `job ${this.plan.name}: checkpoints of ${host.host}`,
          log: this.log,
        });
        await sync.markUploaded(this.restored.get(host.host) ?? []);
        sync.start();
        this.syncs.push(sync);
      }
    }
    // algo-1's intermediate output is the job's (a processing job has none: no URI).
    if (this.plan.artifacts.intermediateUri === "") return;
    const first = this.plan.hosts.find((h) => h.host === "algo-1") ?? this.plan.hosts[0]!;
    const intermediate = new DirectorySync(this.data, {
      dir: contractPaths(first.baseDir).outputIntermediate,
      destination: this.plan.artifacts.intermediateUri,
      intervalMs: interval,
      what: `job ${this.plan.name}: intermediate output of ${first.host}`,
      log: this.log,
    });
    intermediate.start();
    this.syncs.push(intermediate);
  }

  /** When the hosts have exited: stop the pipes, upload what changed one last time. Throws the first DataError. */
  async finishSync(): Promise<void> {
    await Promise.all(this.pipes.map((p) => p.stop()));
    const results = await Promise.allSettled(this.syncs.map((s) => s.finish()));
    this.pipes = [];
    this.syncs = [];
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason instanceof DataError ? failed.reason : new DataError(String((failed.reason as Error)?.message ?? failed.reason));
  }
}
