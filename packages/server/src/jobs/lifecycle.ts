/**
 * One job's life: Pending (waiting for capacity) -> Starting -> Downloading -> Training ->
 * Uploading -> Completed | Failed | Stopped, every SecondaryStatus change stored with its time
 * and message. Stop and MaxRuntimeInSeconds: SIGTERM, the grace period, SIGKILL, artifacts still
 * uploaded, final Stopped. A job found unfinished after a restart resumes where it was.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { contractPaths, writeJobLayout } from "@optml/contract";
import type { DataContext } from "../data/context.js";
import { DataError } from "../data/errors.js";
import { JobData } from "../data/job-data.js";
import { mergeHostDirs, sortHosts } from "../data/merge-hosts.js";
import { uploadArtifacts } from "../data/artifacts.js";
import { ExecutorFailure, type Executor, type HostExit, type HostHandle } from "../executors/types.js";
import { LOG_GROUPS, type JobRecord, type SecondaryStatus, type StopCause, type Store } from "../store/index.js";
import { hostExits, launchHosts, logWarnings, terminateHosts, type LaunchedHost } from "./hosts.js";
import { pumpLogs } from "./log-pump.js";
import { compileMetricDefinitions } from "./metrics.js";
import { gpusNeeded, withAssignedGpus } from "../executors/gpus.js";
import type { JobPlan } from "./plan.js";
import type { Scheduler } from "./scheduler.js";
import { UtilizationSampler } from "../usage/sampler.js";

/** FailureReason is at most this long (what SageMaker keeps). */
export const FAILURE_REASON_LIMIT = 1024;

export const STATUS_MESSAGES: Record<SecondaryStatus, string> = {
  Pending: "Waiting for capacity",
  Starting: "Preparing the instances for training",
  Downloading: "Downloading input data",
  Training: "Training image download completed. Training in progress.",
  Uploading: "Uploading generated training model",
  Completed: "Training job completed",
  Failed: "Training job failed",
  Stopping: "Stopping the training job",
  Stopped: "Training job stopped",
  MaxRuntimeExceeded: "Training job stopped because it exceeded MaxRuntimeInSeconds",
  Interrupted: "Training job interrupted",
  Restarting: "Restarting the training job",
};

/** What is stored in the job row so that a restarted control plane can find the hosts. */
interface ExecutorState {
  readonly executor: string;
  /** The machine's GPUs the job was given (see executors/gpus.ts), taken again after a restart. */
  readonly gpus?: readonly string[];
  readonly hosts: readonly LaunchedHost[];
}

export interface LifecycleDeps {
  readonly store: Store;
  readonly executor: Executor;
  readonly scheduler: Scheduler;
  /** S3 access, the content cache and the sync settings. */
  readonly data: DataContext;
  /** Control plane diagnostics (not job logs). */
  readonly log: (message: string) => void;
  /** How often each running host's utilisation is sampled (usage/sampler.ts). */
  readonly utilizationIntervalMs: number;
}

/** Said of a job that completed without saving anything in its model dir (SageMaker uploads the empty archive all the same). */
export const EMPTY_MODEL_WARNING = "the job saved nothing in /opt/ml/model (SM_MODEL_DIR) on any host: model.tar.gz is an empty archive";

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length === 0;
}

function truncate(reason: string): string {
  return reason.length <= FAILURE_REASON_LIMIT ? reason : reason.slice(0, FAILURE_REASON_LIMIT);
}

export class JobRun {
  private hosts: HostHandle[] = [];
  private stopCause: StopCause | null = null;
  private readonly queueAbort = new AbortController();
  private readonly pumpAbort = new AbortController();
  private killTimer: NodeJS.Timeout | undefined;
  private runtimeTimer: NodeJS.Timeout | undefined;
  /** Whether the executor's prepare ran (so release must). */
  private prepared = false;
  /** The host that failed first: the job fails with its reason, and the others are stopped. */
  private firstFailure: number | undefined;
  /** The job's data while its hosts run (Pipe mode, checkpoints, intermediate output), and a failure of it. */
  private jobDataOf: JobData | undefined;
  private dataFailure: DataError | undefined;
  done: Promise<void> = Promise.resolve();
  /** The GPUs the scheduler gave the job. */
  private assignedGpus: readonly string[] = [];

  constructor(
    private readonly deps: LifecycleDeps,
    public plan: JobPlan,
  ) {}

  private get store() {
    return this.deps.store;
  }

  private get jobData(): JobData {
    this.jobDataOf ??= new JobData(this.deps.data, this.plan, this.deps.log);
    return this.jobDataOf;
  }

  private job(): JobRecord {
    return this.store.jobs.get(this.plan.name)!;
  }

  private transition(status: SecondaryStatus, patch: Parameters<Store["jobs"]["transition"]>[3] = {}, message = STATUS_MESSAGES[status]) {
    this.store.jobs.transition(this.plan.name, status, message, patch);
  }

  /** Start a new job. */
  start(): void {
    this.done = this.run("queue");
  }

  /** Continue a job found unfinished after a restart. */
  resume(record: JobRecord): void {
    this.stopCause = record.stopRequested;
    const state = record.executorState as ExecutorState | null;
    if (state && state.hosts.length > 0) {
      const found = state.hosts.map((h) => this.deps.executor.reattach(h.state));
      this.prepared = true;
      if (found.every((h): h is HostHandle => h !== undefined)) {
        this.hosts = found;
        this.deps.log(`job ${this.plan.name}: reattached to ${found.length} host(s) after a restart`);
        this.done = this.run("training", state);
        return;
      }
      for (const h of found) h?.kill();
      this.done = this.fail(
        "InternalServerError: the optml control plane restarted while this job was running, and its hosts did not survive (they are gone and left no exit status).",
      ).finally(() => this.releaseExecutor());
      return;
    }
    if (record.secondaryStatus === "Uploading") {
      this.done = this.run("uploading");
      return;
    }
    this.deps.log(`job ${this.plan.name}: starting again after a restart (it had not started training)`);
    this.done = this.run("queue");
  }

  /** StopTrainingJob, or MaxRuntimeInSeconds running out. */
  requestStop(cause: StopCause): void {
    if (this.stopCause) return;
    this.stopCause = cause;
    const message = cause === "max-runtime" ? `Stopping the training job: it ran longer than MaxRuntimeInSeconds (${this.plan.maxRuntimeSeconds})` : STATUS_MESSAGES.Stopping;
    this.transition("Stopping", { status: "Stopping", stopRequested: cause }, message);
    this.queueAbort.abort(new Error("stopped"));
    this.stopHosts();
  }

  private stopHosts(): void {
    if (this.hosts.length === 0) return;
    this.killTimer = terminateHosts(this.hosts, this.plan.stopGraceSeconds, () =>
      this.deps.log(`job ${this.plan.name}: grace period of ${this.plan.stopGraceSeconds}s over, killing its hosts`),
    );
  }

  private async fail(reason: string): Promise<void> {
    this.transition("Failed", { status: "Failed", failureReason: truncate(reason), trainingEndTime: this.job().trainingEndTime ?? Date.now() / 1000 });
    this.store.jobs.closeTransitions(this.plan.name);
  }

  private async run(from: "queue" | "training" | "uploading", state?: ExecutorState): Promise<void> {
    let release: (() => void) | undefined;
    try {
      if (from === "queue") {
        const scheduler = this.deps.scheduler;
        const gpus = gpusNeeded(this.plan);
        if (scheduler.full) this.transition("Pending", {}, `Waiting for capacity: ${scheduler.queued + 1} job(s) waiting`);
        else if (scheduler.wouldWait(gpus)) this.transition("Pending", {}, `Waiting for ${gpus} GPU(s): ${scheduler.gpusFree} of the machine's ${scheduler.gpus.length} are free`);
        try {
          const slot = await scheduler.acquireGpus(gpus, this.queueAbort.signal);
          release = slot.release;
          // Where the machine has GPUs, every host is told which are its own (none, for a CPU instance).
          if (scheduler.gpus.length > 0) {
            this.plan = withAssignedGpus(this.plan, slot.gpus);
            this.assignedGpus = slot.gpus;
          }
        } catch {
          return this.finishStopped(false);
        }
        if (this.stopCause) return this.finishStopped(false);
        if (this.job().secondaryStatus !== "Starting") this.transition("Starting");
        if (this.deps.executor.allocate) {
          // A batch system's queue: the job is Starting until its machines are its own.
          this.prepared = true;
          try {
            await this.deps.executor.allocate(this.plan, (message) => this.store.jobs.restate(this.plan.name, "Starting", message), this.queueAbort.signal);
          } catch (e) {
            if (this.stopCause) return this.finishStopped(false);
            throw e;
          }
          if (this.stopCause) return this.finishStopped(false);
        }
        this.transition("Downloading", { trainingStartTime: Date.now() / 1000 });
        // A stop during Downloading abandons the downloads.
        await this.stage().catch((e: unknown) => {
          if (!this.stopCause) throw e;
        });
        if (this.stopCause) return this.finishStopped(true);
        this.transition("Training");
        state = await this.launch();
      } else {
        // The GPUs it had before the restart are its own again.
        release = this.deps.scheduler.full ? undefined : this.deps.scheduler.claim(state?.gpus ?? []);
      }
      if (from !== "uploading") {
        await this.jobData.startSync((e) => this.failData(e));
        const exits = await this.follow(state!);
        // No host runs any more: what the executor set up (the job's network) goes now.
        if (this.prepared) await this.releaseExecutor();
        const syncFailure = await this.jobData.finishSync().then(
          () => undefined,
          (e: DataError) => e,
        );
        this.store.jobs.update(this.plan.name, { trainingEndTime: Date.now() / 1000 });
        const dataFailure = this.dataFailure ?? syncFailure;
        const failure = dataFailure ? `ClientError: ${dataFailure.message}` : this.stopCause ? undefined : await this.failureReason(exits);
        if (failure !== undefined) {
          // Nothing is lost: what the failed program wrote is uploaded all the same (and only
          // that: an empty model.tar.gz would say that the failed job made a model).
          await this.upload(true).catch((e: Error) => this.deps.log(`job ${this.plan.name}: artifacts of the failed job not uploaded: ${e.message}`));
          return this.fail(failure);
        }
      }
      this.transition("Uploading");
      const { modelEmpty } = await this.upload();
      if (this.stopCause) return this.finishStopped(true);
      if (modelEmpty) this.warnAtEnd(EMPTY_MODEL_WARNING, state);
      this.transition("Completed", { status: "Completed" });
      this.store.jobs.closeTransitions(this.plan.name);
    } catch (e) {
      if (e instanceof DataError) return this.fail(`ClientError: ${e.message}`);
      if (e instanceof ExecutorFailure) return this.fail(e.reason);
      this.deps.log(`job ${this.plan.name}: ${(e as Error).stack ?? String(e)}`);
      return this.fail(`InternalServerError: ${(e as Error).message}`);
    } finally {
      clearTimeout(this.killTimer);
      clearTimeout(this.runtimeTimer);
      if (this.prepared) await this.releaseExecutor();
      release?.();
    }
  }

  /** Remove what the executor set up for the job (its network), once no host runs. */
  private async releaseExecutor(): Promise<void> {
    this.prepared = false;
    await this.deps.executor
      .release?.(this.plan)
      .catch((e: Error) => this.deps.log(`job ${this.plan.name}: could not remove what the executor set up: ${e.message}`));
  }

  private async stage(): Promise<void> {
    for (const host of this.plan.hosts) {
      await rm(host.baseDir, { recursive: true, force: true });
      writeJobLayout(host.baseDir, host.configFiles);
      await this.jobData.stageHost(host, this.queueAbort.signal);
    }
  }

  /** The job's data failed while its hosts ran (a Pipe mode source): stop them; the job fails with it. */
  private failData(error: DataError): void {
    if (this.dataFailure) return;
    this.dataFailure = error;
    this.deps.log(`job ${this.plan.name}: ${error.message}; stopping its hosts`);
    if (!this.stopCause && this.killTimer === undefined) this.stopHosts();
  }

  private async launch(): Promise<ExecutorState> {
    this.prepared = true;
    await this.deps.executor.prepare?.(this.plan);
    // The hosts that did start are stopped when one cannot (the caller fails the job and releases the network).
    const { handles, hosts } = await launchHosts(this.store, this.deps.executor, this.plan, LOG_GROUPS.training);
    this.hosts = handles;
    const state: ExecutorState = { executor: this.deps.executor.name, hosts, ...(this.assignedGpus.length ? { gpus: this.assignedGpus } : {}) };
    this.store.jobs.update(this.plan.name, { executorState: state });
    // What the job could not have as asked is said in each host's log as well as in Describe.
    logWarnings(this.store, LOG_GROUPS.training, hosts, this.job().warnings);
    if (this.stopCause) this.stopHosts();
    return state;
  }

  /** Follow every host's output into the store until all have exited; enforce MaxRuntimeInSeconds. */
  private async follow(state: ExecutorState): Promise<HostExit[]> {
    const started = this.job().trainingStartTime ?? Date.now() / 1000;
    const remainingMs = Math.max(0, (started + this.plan.maxRuntimeSeconds) * 1000 - Date.now());
    this.runtimeTimer = setTimeout(() => this.requestStop("max-runtime"), remainingMs);
    if (this.stopCause && !this.killTimer) this.stopHosts();
    const metrics = compileMetricDefinitions(this.plan.metricDefinitions);
    const pumps = this.hosts.map((host, i) =>
      pumpLogs({
        store: this.store,
        job: this.plan.name,
        stream: this.store.logs.streamByName(state.hosts[i]!.stream)!,
        host,
        metrics,
        signal: this.pumpAbort.signal,
      }),
    );
    // Each host's CPU, memory, disk and GPU use, sampled until every host has exited.
    const sampler = new UtilizationSampler({
      job: this.plan.name,
      hosts: this.hosts.map((handle, i) => {
        const plan = this.plan.hosts.find((p) => p.host === state.hosts[i]!.host)!;
        // Under enforced instance resources, memory use is a share of the instance's memory.
        return { handle, plan, ...(plan.limits ? { memoryBytes: plan.limits.memoryBytes } : {}) };
      }),
      store: this.store.utilization,
      intervalMs: this.deps.utilizationIntervalMs,
      log: this.deps.log,
    });
    sampler.start();
    const exits = await hostExits(
      this.hosts,
      () => this.stopCause !== null || this.firstFailure !== undefined,
      (i) => {
        this.firstFailure = i;
        if (this.hosts.length > 1) {
          this.deps.log(`job ${this.plan.name}: ${this.plan.hosts[i]!.host} failed; stopping the other hosts`);
          this.stopHosts();
        }
      },
    );
    sampler.stop();
    await Promise.all(pumps);
    clearTimeout(this.runtimeTimer);
    return exits;
  }

  private async failureReason(exits: readonly HostExit[]): Promise<string | undefined> {
    const i = this.firstFailure ?? exits.findIndex((e) => e.exitCode !== 0);
    if (i < 0) return undefined;
    const host = this.plan.hosts[i]!;
    // Ended by something other than the program (a node failure): that is the reason.
    if (exits[i]!.failure !== undefined) return exits[i]!.failure;
    const failure = await readFile(contractPaths(host.baseDir).failureFile, "utf8").catch(() => undefined);
    if (failure !== undefined && failure.trim() !== "") return `AlgorithmError: ${failure}`;
    const code = exits[i]!.exitCode;
    return `AlgorithmError: the training program on ${host.host} exited with ${code === null ? "an unknown status" : `code ${code}`} and wrote no output/failure`;
  }

  /**
   * Package and upload the model and the output data. A failed job's are uploaded only when not
   * empty, and ModelArtifacts is set only when model.tar.gz was.
   */
  private async upload(failed = false): Promise<{ modelEmpty: boolean }> {
    // Every host's model dir goes into one model.tar.gz (and output data into one output.tar.gz);
    // where hosts wrote the same path, the lowest-numbered host's file wins (see mergeHostDirs).
    const hosts = sortHosts(this.plan.hosts.map((h) => h.host)).map((name) => contractPaths(this.plan.hosts.find((h) => h.host === name)!.baseDir));
    const scratch = `${this.plan.workDir}/artifacts`;
    let modelEmpty: boolean;
    try {
      const modelDir = await mergeHostDirs(hosts.map((p) => p.model), `${scratch}/model`);
      const outputDataDir = await mergeHostDirs(hosts.map((p) => p.outputData), `${scratch}/output-data`);
      modelEmpty = await isEmptyDir(modelDir);
      const parts = failed ? { model: !modelEmpty, outputData: !(await isEmptyDir(outputDataDir)) } : undefined;
      await uploadArtifacts(
        {
          modelDir,
          outputDataDir,
          modelUri: this.plan.artifacts.modelUri,
          outputUri: this.plan.artifacts.outputUri,
          compression: this.plan.artifacts.compression,
          ...(parts ? { parts } : {}),
        },
        this.deps.data,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if (!failed || !modelEmpty) this.store.jobs.update(this.plan.name, { modelArtifacts: this.plan.artifacts.modelUri });
    return { modelEmpty };
  }

  /** A warning found once the hosts ended: in Describe's OptmlWarnings and, when the streams are known, in the first host's log. */
  private warnAtEnd(warning: string, state: ExecutorState | undefined): void {
    this.store.jobs.update(this.plan.name, { warnings: [...this.job().warnings, warning] });
    const stream = state?.hosts[0] && this.store.logs.streamByName(state.hosts[0].stream);
    if (stream) this.store.logs.append(stream, [{ timestamp: Date.now(), message: `[optml] warning: ${warning}` }], stream.sourceOffset);
  }

  private finishStopped(ran: boolean): void {
    const patch = ran ? {} : { trainingEndTime: this.job().trainingStartTime === null ? null : Date.now() / 1000 };
    // SageMaker ends a job stopped for its runtime in SecondaryStatus MaxRuntimeExceeded.
    const final: SecondaryStatus = this.stopCause === "max-runtime" ? "MaxRuntimeExceeded" : "Stopped";
    this.transition(final, { status: "Stopped", ...patch });
    this.store.jobs.closeTransitions(this.plan.name);
  }
}
