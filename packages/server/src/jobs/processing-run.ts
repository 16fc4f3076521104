/**
 * One processing job's life: InProgress (waiting for capacity, inputs staged, hosts running,
 * outputs uploaded) -> Completed | Failed | Stopped, with Stopping in between on StopProcessingJob
 * or when MaxRuntimeInSeconds runs out (SIGTERM, the grace period, SIGKILL). It runs on the same
 * executors, data layer and log pump as training jobs (lifecycle.ts); what differs is the files
 * the hosts get (processing-plan.ts), that outputs are directories uploaded as they are (at the
 * end, or continuously while the hosts run), and that they are uploaded whatever the end: a failed
 * or stopped job's outputs are kept too. Each host's log is a stream `<job>/algo-N-<epoch>` in
 * /aws/sagemaker/ProcessingJobs. A job found unfinished after a restart goes on (`resume`), as a
 * training job does.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import type { DataContext } from "../data/context.js";
import { DataError } from "../data/errors.js";
import { DirectorySync } from "../data/dir-sync.js";
import { JobData } from "../data/job-data.js";
import { gpusNeeded, withAssignedGpus } from "../executors/gpus.js";
import { ExecutorFailure, type Executor, type HostExit, type HostHandle } from "../executors/types.js";
import { LOG_GROUPS, type ProcessingJobPatch, type ProcessingJobRecord, type StopCause, type Store } from "../store/index.js";
import { FAILURE_REASON_LIMIT } from "./lifecycle.js";
import { hostExits, launchHosts, logWarnings, terminateHosts, type LaunchedHost } from "./hosts.js";
import { pumpLogs } from "./log-pump.js";
import { EXIT_MESSAGE_LIMIT, hostPath, type ProcessingPlan } from "./processing-plan.js";
import type { Scheduler } from "./scheduler.js";

export interface ProcessingDeps {
  readonly store: Store;
  readonly executor: Executor;
  readonly scheduler: Scheduler;
  readonly data: DataContext;
  readonly log: (message: string) => void;
}

/** SageMaker's FailureReason of a processing job whose container exited non-zero. */
export const ALGORITHM_ERROR = "AlgorithmError: See job logs for more information";

interface ProcessingExecutorState {
  readonly executor: string;
  readonly hosts: readonly LaunchedHost[];
}

const truncate = (text: string, limit: number) => (Buffer.byteLength(text) <= limit ? text : Buffer.from(text).subarray(0, limit).toString("utf8").replace(/\uFFFD$/, ""));

export class ProcessingRun {
  done: Promise<void> = Promise.resolve();
  private hosts: HostHandle[] = [];
  private stopCause: StopCause | null = null;
  private readonly queueAbort = new AbortController();
  private killTimer: NodeJS.Timeout | undefined;
  private runtimeTimer: NodeJS.Timeout | undefined;
  private prepared = false;
  private dataFailure: DataError | undefined;
  private syncs: DirectorySync[] = [];
  /** The host that failed first: its reason is the job's. */
  private firstFailure: number | undefined;

  constructor(
    private readonly deps: ProcessingDeps,
    public plan: ProcessingPlan,
  ) {}

  private update(patch: ProcessingJobPatch): void {
    this.deps.store.processing.update(this.plan.name, patch);
  }

  start(): void {
    this.done = this.run();
  }

  /**
   * Go on with a job found unfinished after a restart: its hosts found again and followed from
   * where their logs were stored; a job whose hosts did not survive fails saying so; one that had
   * not started its hosts starts again.
   */
  resume(record: ProcessingJobRecord): void {
    this.stopCause = record.stopRequested;
    const state = record.executorState as ProcessingExecutorState | null;
    if (!state || state.hosts.length === 0) {
      this.deps.log(`processing job ${this.plan.name}: starting again after a restart (its hosts had not started)`);
      this.done = this.run();
      return;
    }
    const found = state.hosts.map((h) => this.deps.executor.reattach(h.state));
    this.prepared = true;
    if (found.every((h): h is HostHandle => h !== undefined)) {
      this.hosts = found;
      this.deps.log(`processing job ${this.plan.name}: reattached to ${found.length} host(s) after a restart`);
      this.done = this.run(true);
      return;
    }
    for (const h of found) h?.kill();
    this.done = (async () => {
      // What the hosts wrote is uploaded all the same.
      this.startOutputSyncs();
      await this.uploadOutputs().catch((e: Error) => this.deps.log(`processing job ${this.plan.name}: outputs not uploaded: ${e.message}`));
      this.update({
        status: "Failed",
        failureReason:
          "InternalServerError: the optml control plane restarted while this processing job was running, and its hosts did not survive (they are gone and left no exit status).",
        endTime: Date.now() / 1000,
      });
      await this.releaseExecutor();
    })();
  }

  /** StopProcessingJob, or MaxRuntimeInSeconds running out. */
  requestStop(cause: StopCause): void {
    if (this.stopCause) return;
    this.stopCause = cause;
    this.update({ status: "Stopping", stopRequested: cause });
    this.queueAbort.abort(new Error("stopped"));
    this.stopHosts();
  }

  private stopHosts(): void {
    if (this.hosts.length === 0 || this.killTimer) return;
    this.killTimer = terminateHosts(this.hosts, this.plan.stopGraceSeconds, () =>
      this.deps.log(`processing job ${this.plan.name}: grace period of ${this.plan.stopGraceSeconds}s over, killing its hosts`),
    );
  }

  /** The job from the queue on; `reattached`: from its running hosts on (after a restart). */
  private async run(reattached = false): Promise<void> {
    let release: (() => void) | undefined;
    let jobData: JobData | undefined;
    let exits: HostExit[] | undefined;
    try {
      if (reattached) {
        release = this.deps.scheduler.full ? undefined : this.deps.scheduler.claim([]);
        jobData = new JobData(this.deps.data, this.plan, this.deps.log);
        if (this.stopCause) this.stopHosts();
      } else {
        const slot = await this.deps.scheduler.acquireGpus(gpusNeeded(this.plan), this.queueAbort.signal).catch(() => undefined);
        if (!slot || this.stopCause) {
          slot?.release();
          return this.end(undefined);
        }
        release = slot.release;
        if (this.deps.scheduler.gpus.length > 0) this.plan = withAssignedGpus(this.plan, slot.gpus) as ProcessingPlan;
        jobData = new JobData(this.deps.data, this.plan, this.deps.log);
        // A stop while the inputs download abandons them.
        await this.stage(jobData).catch((e: unknown) => {
          if (!this.stopCause) throw e;
        });
        if (this.stopCause) return this.end(undefined);
        await this.launch();
        this.update({ startTime: Date.now() / 1000 });
      }
      await jobData.startSync((e) => this.failData(e));
      this.startOutputSyncs();
      exits = await this.follow();
      if (this.prepared) await this.releaseExecutor();
      await jobData.finishSync().catch((e: DataError) => {
        this.dataFailure ??= e;
      });
      return await this.end(exits);
    } catch (e) {
      const reason =
        e instanceof DataError ? `ClientError: ${e.message}` : e instanceof ExecutorFailure ? e.reason : `InternalServerError: ${(e as Error).message}`;
      if (!(e instanceof DataError) && !(e instanceof ExecutorFailure)) this.deps.log(`processing job ${this.plan.name}: ${(e as Error).stack ?? String(e)}`);
      await this.uploadOutputs().catch(() => undefined);
      this.update({ status: "Failed", failureReason: truncate(reason, FAILURE_REASON_LIMIT), endTime: Date.now() / 1000 });
    } finally {
      clearTimeout(this.killTimer);
      clearTimeout(this.runtimeTimer);
      if (this.prepared) await this.releaseExecutor();
      release?.();
    }
  }

  /** Outputs uploaded (whatever the end), ExitMessage read, the final status. */
  private async end(exits: readonly HostExit[] | undefined): Promise<void> {
    const uploadFailure = await this.uploadOutputs().then(
      () => undefined,
      (e: unknown) => (e instanceof DataError ? e : new DataError(String((e as Error).message))),
    );
    let exitMessage: string | null = null;
    let messageFailure: DataError | undefined;
    if (exits) {
      await this.exitMessage().then(
        (m) => (exitMessage = m),
        (e: DataError) => (messageFailure = e),
      );
    }
    // The host that failed first (the others were stopped because of it).
    const failed = this.firstFailure ?? exits?.findIndex((e) => e.exitCode !== 0) ?? -1;
    const dataFailure: DataError | undefined = this.dataFailure ?? uploadFailure ?? messageFailure;
    const endTime = Date.now() / 1000;
    if (dataFailure) {
      this.update({ status: "Failed", failureReason: truncate(`ClientError: ${dataFailure.message}`, FAILURE_REASON_LIMIT), exitMessage, endTime });
    } else if (this.stopCause) {
      this.update({
        status: "Stopped",
        exitMessage,
        endTime,
        ...(this.stopCause === "max-runtime" ? { failureReason: `The processing job ran longer than MaxRuntimeInSeconds (${this.plan.maxRuntimeSeconds}) and was stopped.` } : {}),
      });
    } else if (failed >= 0) {
      // Ended by something other than the program (out of memory, a node failure): that is the reason.
      const reason = exits![failed]!.failure ?? ALGORITHM_ERROR;
      this.update({ status: "Failed", failureReason: truncate(reason, FAILURE_REASON_LIMIT), exitMessage, endTime });
    } else {
      this.update({ status: "Completed", exitMessage, endTime });
    }
  }

  /** Each host's base dir: its config files, its output dirs, its inputs. */
  private async stage(jobData: JobData): Promise<void> {
    for (const host of this.plan.hosts) {
      await rm(host.baseDir, { recursive: true, force: true });
      const config = `${host.baseDir}/config`;
      await mkdir(config, { recursive: true });
      await mkdir(`${host.baseDir}/output`, { recursive: true });
      for (const [file, text] of Object.entries(this.plan.configs[host.host]!)) await writeFile(`${config}/${file}`, text);
      for (const output of this.plan.outputs) await mkdir(hostPath(host, output.localPath), { recursive: true });
      await jobData.stageHost(host, this.queueAbort.signal);
    }
  }

  private failData(error: DataError): void {
    if (this.dataFailure) return;
    this.dataFailure = error;
    this.deps.log(`processing job ${this.plan.name}: ${error.message}; stopping its hosts`);
    this.stopHosts();
  }

  private async launch(): Promise<void> {
    this.prepared = true;
    await this.deps.executor.prepare?.(this.plan);
    const { handles, hosts } = await launchHosts(this.deps.store, this.deps.executor, this.plan, LOG_GROUPS.processing);
    this.hosts = handles;
    const state: ProcessingExecutorState = { executor: this.deps.executor.name, hosts };
    this.update({ executorState: state });
    logWarnings(this.deps.store, LOG_GROUPS.processing, hosts, this.deps.store.processing.get(this.plan.name)?.warnings ?? []);
    if (this.stopCause) this.stopHosts();
  }

  /** Every host's Continuous outputs, uploaded as they are written; EndOfJob ones wait for the end. */
  private startOutputSyncs(): void {
    for (const host of this.plan.hosts) {
      for (const output of this.plan.outputs) {
        const sync = new DirectorySync(this.deps.data, {
          dir: hostPath(host, output.localPath),
          destination: output.uri,
          intervalMs: this.deps.data.syncIntervalMs,
          what: `processing job ${this.plan.name}: output '${output.name}' of ${host.host}`,
          log: this.deps.log,
          // "Symlinks are not followed when uploading output data" (SageMaker's documentation).
          followLinks: false,
        });
        if (output.mode === "Continuous") sync.start();
        this.syncs.push(sync);
      }
    }
  }

  /** Every output of every host, uploaded to its S3Uri (what changed since a Continuous upload). */
  private async uploadOutputs(): Promise<void> {
    const syncs = this.syncs;
    this.syncs = [];
    const results = await Promise.allSettled(syncs.map((s) => s.finish()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** The hosts' /opt/ml/output/message, concatenated, its first KiB; a DataError when one is not UTF-8 text (SageMaker fails the job with a ClientError). */
  private async exitMessage(): Promise<string | null> {
    const texts = await Promise.all(
      this.plan.hosts.map(async (h) => {
        const bytes = await readFile(`${h.baseDir}/output/message`).catch(() => Buffer.alloc(0));
        try {
          return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          throw new DataError(`/opt/ml/output/message of ${h.host} is not UTF-8 encoded text: the ExitMessage must be`);
        }
      }),
    );
    const all = texts.join("");
    return all === "" ? null : truncate(all, EXIT_MESSAGE_LIMIT);
  }

  private async follow(): Promise<HostExit[]> {
    const record = this.deps.store.processing.get(this.plan.name)!;
    const state = record.executorState as ProcessingExecutorState;
    // MaxRuntimeInSeconds counts from when the hosts started (before a restart too).
    const started = record.startTime ?? Date.now() / 1000;
    this.runtimeTimer = setTimeout(() => this.requestStop("max-runtime"), Math.max(0, (started + this.plan.maxRuntimeSeconds) * 1000 - Date.now()));
    const pumpAbort = new AbortController();
    const pumps = this.hosts.map((host, i) =>
      pumpLogs({
        store: this.deps.store,
        job: this.plan.name,
        stream: this.deps.store.logs.streamByName(state.hosts[i]!.stream, LOG_GROUPS.processing)!,
        host,
        metrics: [],
        signal: pumpAbort.signal,
      }),
    );
    // One host failing fails the job: the others are stopped.
    const exits = await hostExits(
      this.hosts,
      () => this.stopCause !== null,
      (i) => {
        this.firstFailure = i;
        if (this.hosts.length > 1) this.stopHosts();
      },
    );
    await Promise.all(pumps);
    clearTimeout(this.runtimeTimer);
    return exits;
  }

  private async releaseExecutor(): Promise<void> {
    this.prepared = false;
    await this.deps.executor.release?.(this.plan).catch((e: Error) => this.deps.log(`processing job ${this.plan.name}: could not remove what the executor set up: ${e.message}`));
  }
}
