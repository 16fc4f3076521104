import type { HostPlan, JobPlan } from "../jobs/plan.js";

/** How a host ended: its exit code, or null when that could not be known. */
export interface HostExit {
  readonly exitCode: number | null;
  /**
   * The FailureReason when something other than the program ended the host (a batch system's
   * node failure, preemption, time limit): it wins over the program's own failure file.
   */
  readonly failure?: string;
}

/** A job the executor cannot run or go on running, with its whole FailureReason ("ClientError: ..."). */
export class ExecutorFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A chunk of a host's output and the offset just after it (to resume after a restart). */
export interface OutputChunk {
  readonly data: Buffer;
  readonly offset: number;
}

/** A host's CPU (percent of one core, summed over cores; null before a second reading) and memory in use. */
export interface HostUsage {
  readonly cpuPercent: number | null;
  readonly memoryBytes: number;
}

/** A running (or finished) host. */
export interface HostHandle {
  readonly host: string;
  /** What must be stored so that a restarted control plane can find the host again. */
  readonly state: unknown;
  /** The host's output from a byte offset on, as it comes; ends once the host has exited and all is read. */
  output(fromOffset: number, signal: AbortSignal): AsyncIterable<OutputChunk>;
  /** Resolves when the host has exited. */
  readonly exited: Promise<HostExit>;
  /** Ask the host to stop (SIGTERM to `train`, which forwards it to the user program). */
  terminate(): void;
  /** Stop everything the host started, now (SIGKILL). */
  kill(): void;
  /**
   * The pids of the host's processes now, where this machine can list them (its cgroup's members,
   * else its wrapper's process tree): what utilisation sampling reads. Absent for hosts that run
   * elsewhere or in a container.
   */
  processes?(): number[];
  /**
   * The host's CPU and memory now, from where it runs (a container engine's stats), or undefined
   * when that has no figures (the host ended). Sampling prefers it to `processes`.
   */
  usage?(): Promise<HostUsage | undefined>;
}

/** Turns a host plan into a running host, and finds hosts again after a restart. */
export interface Executor {
  readonly name: string;
  /** Why this executor cannot run the job (e.g. multi-host without root), or undefined. */
  cannotRun?(job: JobPlan): Promise<string | undefined>;
  /**
   * Get the job's machines before its data is staged (SecondaryStatus Starting): a batch system
   * submits the job and resolves once it runs, calling `report` with why it waits, as it changes.
   * Throws an ExecutorFailure when the job cannot get them; rejects when `signal` aborts (stop).
   */
  allocate?(job: JobPlan, report: (message: string) => void, signal: AbortSignal): Promise<void>;
  /** Set up what the job's hosts share (a network) before the first launch; idempotent. */
  prepare?(job: JobPlan): Promise<void>;
  /** Remove what prepare set up, once every host has ended; idempotent. */
  release?(job: JobPlan): Promise<void>;
  /** At start: remove what crashed control planes left behind for jobs not in `active`. */
  reclaim?(active: readonly JobPlan[]): Promise<void>;
  launch(job: JobPlan, host: HostPlan): Promise<HostHandle>;
  /** The host described by a stored state, or undefined when it no longer runs and left no result. */
  reattach(state: unknown): HostHandle | undefined;
}
