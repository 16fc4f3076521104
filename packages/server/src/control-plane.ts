/**
 * The control plane: jobs created, described, listed, stopped and deleted; each job run by its
 * lifecycle on the configured executor; state in SQLite under OPTML_HOME. The API handlers are
 * thin adapters over this class, and so is the embedded mode of the CLI.
 */
import { availableParallelism, homedir } from "node:os";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ProcessExecutor } from "./executors/process/index.js";
import type { Executor } from "./executors/types.js";
import { admissionProblems } from "./jobs/admission.js";
import { JobRun } from "./jobs/lifecycle.js";
import { planJob, trainingJobArn, type PlanSettings } from "./jobs/plan.js";
import { defaultRunnerCommand } from "./jobs/runner-command.js";
import { Scheduler } from "./jobs/scheduler.js";
import { trainingJobInStatus, trainingJobNameInUse, trainingJobNotFound, validationErrors } from "./protocol/errors.js";
import type { CreateTrainingJobRequest } from "./sagemaker/request.js";
import { Store, type JobRecord, type ListQuery, type MetricSample, type Transition } from "./store/index.js";

export interface ControlPlaneOptions {
  /** State directory (default: $OPTML_HOME, else ~/.optml). */
  readonly home?: string;
  /** Region of ARNs and of jobs' AWS_REGION (default: $AWS_REGION, else us-east-1). */
  readonly region?: string;
  /** The 12-digit account in ARNs (default 000000000000). */
  readonly accountId?: string;
  /** Jobs running at once; more wait in Pending (default: $OPTML_MAX_CONCURRENT_JOBS, else the CPU count). */
  readonly capacity?: number;
  /** SIGTERM -> SIGKILL grace on stop (default: $OPTML_STOP_GRACE_SECONDS, else 120, as SageMaker). */
  readonly stopGraceSeconds?: number;
  readonly executor?: Executor;
  /** Diagnostics of the control plane itself (default: stderr). */
  readonly log?: (message: string) => void;
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPTML_HOME ?? join(homedir(), ".optml");
}

function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number > 0, got '${value}'`);
  return n;
}

export interface JobView {
  readonly record: JobRecord;
  readonly transitions: Transition[];
  readonly finalMetrics: MetricSample[];
}

export class ControlPlane {
  readonly store: Store;
  readonly home: string;
  readonly settings: PlanSettings;
  readonly scheduler: Scheduler;
  readonly executor: Executor;
  private readonly runs = new Map<string, JobRun>();
  private readonly log: (message: string) => void;

  private constructor(options: ControlPlaneOptions) {
    const env = process.env;
    this.home = options.home ?? defaultHome(env);
    this.log = options.log ?? ((m) => process.stderr.write(`[optml] ${m}\n`));
    this.store = Store.open(join(this.home, "optml.db"));
    this.settings = {
      region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
      accountId: options.accountId ?? "000000000000",
      jobsDir: join(this.home, "jobs"),
      stopGraceSeconds: options.stopGraceSeconds ?? positiveNumber(env.OPTML_STOP_GRACE_SECONDS, "OPTML_STOP_GRACE_SECONDS") ?? 120,
    };
    const capacity = options.capacity ?? positiveNumber(env.OPTML_MAX_CONCURRENT_JOBS, "OPTML_MAX_CONCURRENT_JOBS") ?? availableParallelism();
    this.scheduler = new Scheduler(Math.floor(capacity));
    this.executor = options.executor ?? new ProcessExecutor({ runnerCommand: defaultRunnerCommand(env) });
  }

  /** Open the state under `home` and pick up every job a previous control plane left unfinished. */
  static open(options: ControlPlaneOptions = {}): ControlPlane {
    const cp = new ControlPlane(options);
    cp.recover();
    return cp;
  }

  private recover(): void {
    for (const record of this.store.jobs.unfinished()) {
      const plan = planJob(record.request as CreateTrainingJobRequest, this.settings, record.creationTime);
      const run = new JobRun(this.deps(), { ...plan, workDir: record.workDir });
      run.resume(record);
      this.track(run);
    }
  }

  private deps() {
    return { store: this.store, executor: this.executor, scheduler: this.scheduler, log: this.log };
  }

  /** Keep a started run until it is done (call after start/resume, which set `done`). */
  private track(run: JobRun): void {
    this.runs.set(run.plan.name, run);
    void run.done.finally(() => {
      if (this.runs.get(run.plan.name) === run) this.runs.delete(run.plan.name);
    });
  }

  createTrainingJob(request: CreateTrainingJobRequest): { TrainingJobArn: string } {
    const problems = admissionProblems(request);
    if (problems.length) throw validationErrors(problems);
    const now = Date.now() / 1000;
    const plan = planJob(request, this.settings, now);
    const inserted = this.store.jobs.insert(
      {
        name: plan.name,
        arn: plan.arn,
        request,
        status: "InProgress",
        secondaryStatus: "Starting",
        failureReason: null,
        creationTime: now,
        lastModifiedTime: now,
        trainingStartTime: null,
        trainingEndTime: null,
        modelArtifacts: null,
        workDir: plan.workDir,
        executorState: null,
        stopRequested: null,
        warnings: [],
      },
      { status: "Starting", message: "Launching requested ML instances" },
    );
    if (!inserted) throw trainingJobNameInUse(this.store.jobs.get(plan.name)?.arn ?? plan.arn);
    const run = new JobRun(this.deps(), plan);
    run.start();
    this.track(run);
    return { TrainingJobArn: plan.arn };
  }

  view(name: string): JobView {
    const record = this.store.jobs.get(name);
    if (!record) throw trainingJobNotFound();
    return { record, transitions: this.store.jobs.transitions(name), finalMetrics: this.store.metrics.final(name) };
  }

  list(query: ListQuery): JobRecord[] {
    return this.store.jobs.list(query);
  }

  stopTrainingJob(name: string): void {
    const record = this.store.jobs.get(name);
    if (!record) throw trainingJobNotFound();
    if (record.status === "Stopping") return;
    if (record.status !== "InProgress") throw trainingJobInStatus(record.status);
    const run = this.runs.get(name);
    if (run) run.requestStop("user");
  }

  async deleteTrainingJob(name: string): Promise<void> {
    const record = this.store.jobs.get(name);
    if (!record) throw trainingJobNotFound();
    if (record.status === "InProgress" || record.status === "Stopping") throw trainingJobInStatus(record.status);
    this.store.jobs.delete(name);
    await rm(record.workDir, { recursive: true, force: true });
  }

  /** Resolves when the job is no longer running in this control plane. */
  async settled(name: string): Promise<void> {
    await this.runs.get(name)?.done;
  }

  arnOf(name: string): string {
    return trainingJobArn(this.settings.region, this.settings.accountId, name);
  }

  /** Wait for every job this control plane runs to finish, then close the store. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
    this.store.close();
  }

  /** Close the store now; running hosts keep running and are picked up by the next start. */
  detach(): void {
    this.store.close();
  }
}
