/**
 * The control plane: jobs created, described, listed, stopped and deleted; each job run by its
 * lifecycle on the configured executor; state in SQLite under OPTML_HOME. The API handlers are
 * thin adapters over this class, and so is the embedded mode of the CLI.
 */
import { availableParallelism, homedir } from "node:os";
import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { DataContext, type DataOptions } from "./data/context.js";
import { DockerExecutor, dockerAvailable } from "./executors/docker/index.js";
import { withContainerCode } from "./executors/docker/container.js";
import { imageNotRunWarning, RECORDED_ONLY_IMAGE, type ImageNotRun } from "./executors/description.js";
import { NetnsExecutor } from "./executors/netns/index.js";
import { CGROUPS_VARIABLE } from "./executors/cgroups.js";
import { ProcessExecutor } from "./executors/process/index.js";
import { gpusNeeded, machineGpus, withGpuNeeds } from "./executors/gpus.js";
import { instanceResourcesModeFor, machineResources, withInstanceResources, type InstanceResourcesMode, type MachineResources } from "./executors/resources.js";
import { SlurmExecutor, type SlurmHostNames } from "./executors/slurm/index.js";
import { slurmSettingsFor, type SlurmJobSettings } from "./executors/slurm/scripts.js";
import type { Executor } from "./executors/types.js";
import { admissionProblems } from "./jobs/admission.js";
import { allowedPathProblems, outsideAllowedPaths, processingLocalPaths, resolveAllowedPaths } from "./jobs/allowed-paths.js";
import { diskBytes } from "./jobs/disk-usage.js";
import { JobRun } from "./jobs/lifecycle.js";
import { planJob, withPython, type JobPlan, type PlanSettings } from "./jobs/plan.js";
import { choosePython, resolvePython, type JobPython } from "./jobs/python.js";
import { defaultRunnerCommand } from "./jobs/runner-command.js";
import { Scheduler } from "./jobs/scheduler.js";
import { planProcessingJob, processingJobArn, type ProcessingPlan } from "./jobs/processing-plan.js";
import { ProcessingRun } from "./jobs/processing-run.js";
import type { ProcessingApi } from "./sagemaker/processing-handlers.js";
import type { CreateProcessingJobRequest } from "./sagemaker/processing-request.js";
import {
  processingJobInStatus,
  processingJobNameInUse,
  processingJobNotFound,
  processingJobRunning,
  resourceNotFoundForArn,
  tooManyTags,
  trainingJobInStatus,
  trainingJobNameInUse,
  trainingJobNotFound,
  tuningJobInStatus,
  tuningJobNameInUse,
  tuningJobNotFound,
  validationErrors,
} from "./protocol/errors.js";
import type { CreateTrainingJobRequest } from "./sagemaker/request.js";
import { tuningJobArn } from "./sagemaker/tuning-arn.js";
import type { TrialView, TuningApi, TuningJobView } from "./sagemaker/tuning-handlers.js";
import type { CreateHyperParameterTuningJobRequest } from "./sagemaker/tuning-request.js";
import {
  Store,
  type JobRecord,
  type ListQuery,
  type MetricSample,
  type ProcessingJobRecord,
  type ProcessingListQuery,
  type Tag,
  type TrainingJobTuning,
  type Transition,
  type TuningJobRecord,
  type TuningListQuery,
  type UtilizationSample,
} from "./store/index.js";
import { TuningRun } from "./tuning/tuner.js";
import { utilizationInterval } from "./usage/sampler.js";

export interface ControlPlaneOptions {
  /** State directory (default: $OPTML_HOME, else ~/.optml). */
  readonly home?: string;
  /**
   * The region of requests that name none (no SigV4 credential scope): of their jobs' ARNs and
   * AWS_REGION (default: $AWS_REGION, else us-east-1). A signed request's own region wins.
   */
  readonly region?: string;
  /** The 12-digit account in ARNs (default 000000000000). */
  readonly accountId?: string;
  /** Jobs running at once; more wait in Pending (default: $OPTML_MAX_CONCURRENT_JOBS, else the CPU count). */
  readonly capacity?: number;
  /** SIGTERM -> SIGKILL grace on stop (default: $OPTML_STOP_GRACE_SECONDS, else 120, as SageMaker). */
  readonly stopGraceSeconds?: number;
  /** Runs every job (tests); default: chosen per job, see `executorMode`. */
  readonly executor?: Executor;
  /**
   * Which executor runs jobs (`optml serve --executor`): `auto` (default) runs a job's
   * TrainingImage with Docker when the engine answers and has the image, else script-mode jobs as
   * processes; `process` and `docker` force one. A job overrides it with the tag `optml:executor`
   * or the Environment entry `OPTML_EXECUTOR`.
   */
  readonly executorMode?: ExecutorMode;
  /** Diagnostics of the control plane itself (default: stderr). */
  readonly log?: (message: string) => void;
  /** S3 settings (over this process's environment), the content cache's limit, the sync interval. */
  readonly data?: DataOptions;
  /**
   * The Python of jobs whose Environment has no OPTML_PYTHON (`optml serve --python`): a path or a
   * command name on this process's PATH; default $OPTML_PYTHON, else python3 on PATH.
   */
  readonly python?: string;
  /** The Slurm executor's settings (`optml serve --slurm-*`). */
  readonly slurm?: SlurmOptions;
  /**
   * The directories file:// inputs and outputs (channels, sagemaker_submit_directory, the
   * checkpoint location, S3OutputPath) must lie in (`optml serve --allow-path`); a job naming a
   * local path outside all of them is refused. Default (absent or empty): no limit.
   */
  readonly allowPaths?: readonly string[];
  /**
   * How often each running host's CPU, memory, disk and GPU use is sampled and stored, in
   * milliseconds (default: $OPTML_UTILIZATION_INTERVAL_MS, else 5000); see `utilization`.
   */
  readonly utilizationIntervalMs?: number;
  /**
   * `enforce` gives each host of a process or netns job the vCPUs and memory of its InstanceType
   * through its cgroup (`optml serve --instance-resources`); a job's tag `optml:instance-resources`
   * overrides it. Default `off`.
   */
  readonly instanceResources?: InstanceResourcesMode;
  /** What the machine has, that instance types are capped at (default: this machine's CPUs and memory). */
  readonly machineResources?: MachineResources;
  /**
   * The machine's GPUs (nvidia-smi indexes), each job's hosts getting their instance types' (default:
   * what `nvidia-smi -L` on this process's PATH lists; none without it).
   */
  readonly gpus?: readonly string[];
}

export interface SlurmOptions {
  /** Every job's sbatch settings, under each job's `optml:slurm-*` tags. */
  readonly settings?: Partial<SlurmJobSettings>;
  /**
   * The directory under which Slurm jobs' files go (`<dir>/jobs/<job>`): it must be on a
   * filesystem every node sees at the same path. Default: the control plane's home.
   */
  readonly dir?: string;
  /** The environment of Slurm's commands (default: this process's; SLURM_CONF names the cluster). */
  readonly env?: NodeJS.ProcessEnv;
  /** How hosts are named (default: algo-N when running as root, else the nodes' hostnames). */
  readonly hostNames?: SlurmHostNames;
}

export type ExecutorMode = "auto" | "process" | "docker" | "slurm";
export const EXECUTOR_MODES: readonly ExecutorMode[] = ["auto", "process", "docker", "slurm"];

/** Whether `path` lies strictly inside `dir`. */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
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

/** How many tags one resource can have (SageMaker: 50). */
export const MAX_TAGS_PER_RESOURCE = 50;

/** The region of an ARN (`arn:aws:sagemaker:<region>:...`), when it has one. */
export function regionOfArn(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region === undefined || region === "" ? undefined : region;
}

export interface JobView {
  readonly record: JobRecord;
  readonly transitions: Transition[];
  readonly finalMetrics: MetricSample[];
}

export class ControlPlane implements TuningApi, ProcessingApi {
  readonly store: Store;
  readonly home: string;
  readonly settings: PlanSettings;
  readonly scheduler: Scheduler;
  private readonly executors: {
    readonly process: Executor;
    readonly netns: Executor | undefined;
    readonly docker: DockerExecutor | undefined;
    readonly slurm: SlurmExecutor | undefined;
  };
  /** Slurm's queue is the capacity of jobs Slurm runs: they do not wait for this machine's. */
  private readonly unbounded = new Scheduler(Number.MAX_SAFE_INTEGER);
  /** Every Slurm job's settings, and where Slurm jobs' files go. */
  private readonly slurmSettings: SlurmJobSettings;
  readonly slurmJobsDir: string;
  /** Where processing jobs' work dirs go (`<home>/processing`). */
  readonly processingJobsDir: string;
  private readonly executorMode: ExecutorMode;
  private readonly instanceResources: InstanceResourcesMode;
  private readonly machine: MachineResources;
  private readonly runs = new Map<string, JobRun>();
  /** Processing jobs running here, by name. */
  private readonly processingRuns = new Map<string, ProcessingRun>();
  /** Tuning jobs whose tuner runs here, by name. */
  private readonly tuningRuns = new Map<string, TuningRun>();
  /** Disk bytes of ended jobs, measured once (their files no longer change). */
  private readonly diskUsage = new Map<string, { lastModifiedTime: number; bytes: number }>();
  private readonly log: (message: string) => void;
  /** S3 access and the content cache, shared by every job. */
  readonly data: DataContext;
  /** The Python of jobs that do not name one (see jobs/python.ts). */
  private readonly python: string | undefined;
  /** Where the runner keeps the virtual environments of jobs' requirements.txt. */
  readonly venvsDir: string;
  /** ControlPlaneOptions.allowPaths, absolute; empty: no limit. */
  readonly allowPaths: readonly string[];
  /** ControlPlaneOptions.utilizationIntervalMs, resolved. */
  private readonly utilizationIntervalMs: number;

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
      ...(options.data?.awsEnv ? { hostEnv: options.data.awsEnv } : {}),
    };
    this.data = new DataContext(this.home, this.settings.region, options.data, env);
    const capacity = options.capacity ?? positiveNumber(env.OPTML_MAX_CONCURRENT_JOBS, "OPTML_MAX_CONCURRENT_JOBS") ?? availableParallelism();
    this.scheduler = new Scheduler(Math.floor(capacity), options.gpus ?? machineGpus());
    this.executorMode = options.executorMode ?? "auto";
    this.instanceResources = options.instanceResources ?? "off";
    this.machine = options.machineResources ?? machineResources();
    this.python = options.python ?? (env.OPTML_PYTHON || undefined);
    this.venvsDir = join(this.home, "venvs");
    this.allowPaths = (options.allowPaths ?? []).map((d) => resolve(d));
    this.utilizationIntervalMs = utilizationInterval(options.utilizationIntervalMs, env);
    this.slurmSettings = { sbatchOptions: [], ...options.slurm?.settings };
    this.slurmJobsDir = join(options.slurm?.dir ?? this.home, "jobs");
    this.processingJobsDir = join(this.home, "processing");
    if (options.executor) {
      this.executors = { process: options.executor, netns: undefined, docker: undefined, slurm: undefined };
    } else {
      const runnerCommand = defaultRunnerCommand(env);
      // Hosts in cgroups of their own (see executors/cgroups.ts) unless OPTML_CGROUPS=off.
      const cgroups = env[CGROUPS_VARIABLE] !== "off";
      this.executors = {
        process: new ProcessExecutor({ runnerCommand, jobsDir: this.settings.jobsDir, cgroups }),
        netns: new NetnsExecutor({ runnerCommand, stateDir: join(this.home, "networks"), jobsDir: this.settings.jobsDir, cgroups }),
        docker: new DockerExecutor({ home: this.home }),
        slurm: new SlurmExecutor(
          {
            runnerCommand,
            stateDir: join(this.home, "slurm"),
            ...(options.slurm?.env ? { env: options.slurm.env } : {}),
            ...(options.slurm?.hostNames ? { hostNames: options.slurm.hostNames } : {}),
          },
          this.log,
        ),
      };
    }
  }

  /** The mode for one job: its `optml:executor` tag or OPTML_EXECUTOR entry, else the server's. */
  private modeFor(request: Pick<CreateTrainingJobRequest, "Tags" | "Environment">): ExecutorMode | string {
    const tag = request.Tags?.find((t) => t.Key === "optml:executor")?.Value;
    return tag ?? request.Environment?.OPTML_EXECUTOR ?? this.executorMode;
  }

  /**
   * The executor for a job: hosts of a multi-host job each need their own address and hostname
   * (netns); so does enforcing network isolation. Returns a refusal when the job cannot run here,
   * and warnings for what will not be as asked.
   */
  private async executorFor(plan: JobPlan, request: CreateTrainingJobRequest): Promise<{ executor: Executor; refusal?: string; warnings: string[] }> {
    const { process, docker } = this.executors;
    const mode = this.modeFor(request);
    if (!EXECUTOR_MODES.includes(mode as ExecutorMode)) {
      return { executor: process, refusal: `optml:executor / OPTML_EXECUTOR '${mode}' is not one of ${EXECUTOR_MODES.join(", ")}`, warnings: [] };
    }
    const scriptMode = request.HyperParameters?.sagemaker_program !== undefined || request.Environment?.SAGEMAKER_PROGRAM !== undefined;
    if (mode === "slurm") return this.slurmFor(plan, request, scriptMode);
    const image = plan.image;
    // Why the image, if the job names one, is not what runs when the job runs as processes.
    let notRun: ImageNotRun = { reason: "process-mode" };
    if (docker && mode !== "process") {
      const engine = mode === "auto" && !!image && (await dockerAvailable(docker.socketPath));
      if (engine && (await docker.hasImage(image).catch(() => false))) return { executor: docker, warnings: [] };
      notRun = engine ? { reason: "image-absent" } : { reason: "no-engine", socketPath: docker.socketPath };
      if (mode === "docker" || !scriptMode) {
        const why = await docker.cannotRun(plan);
        if (why === undefined) return { executor: docker, warnings: [] };
        return {
          executor: docker,
          refusal: scriptMode
            ? `the job asks for the docker executor, which cannot run it: ${why}`
            : `${why}; without Docker and the image, optml runs script-mode jobs only: set the hyperparameter sagemaker_program (the entry point, JSON-encoded) and sagemaker_submit_directory (the code), as the SageMaker Python SDK does`,
          warnings: [],
        };
      }
    }
    if (!scriptMode) {
      return {
        executor: process,
        refusal:
          "the process executor runs script-mode jobs: set the hyperparameter sagemaker_program (the entry point, JSON-encoded, e.g. \"\\\"train.py\\\"\") and sagemaker_submit_directory (the code), as the SageMaker Python SDK does",
        warnings: [],
      };
    }
    const chosen = await this.processExecutorFor(plan);
    // A control plane given one executor (tests) runs what it was given: no image was passed over.
    const warning = this.executors.docker ? imageNotRunWarning(image, notRun) : undefined;
    return warning === undefined || chosen.refusal ? chosen : { ...chosen, warnings: [warning, ...chosen.warnings] };
  }

  /** A job for Slurm: script mode, Slurm reachable, its tags' settings valid. */
  private async slurmFor(plan: JobPlan, request: CreateTrainingJobRequest, scriptMode: boolean): Promise<{ executor: Executor; refusal?: string; warnings: string[] }> {
    const slurm = this.executors.slurm;
    if (!slurm) return { executor: this.executors.process, refusal: "the slurm executor is not available in this control plane (it was given one executor)", warnings: [] };
    if (!scriptMode) {
      return {
        executor: slurm,
        refusal: "the slurm executor runs script-mode jobs (it runs train on the nodes, not container images): set the hyperparameters sagemaker_program and sagemaker_submit_directory, as the SageMaker Python SDK does",
        warnings: [],
      };
    }
    const { problems } = slurmSettingsFor(request.Tags ?? [], this.slurmSettings);
    const why = problems.length ? undefined : await slurm.cannotRun();
    const refusal = problems.length ? problems.join("; ") : why;
    const warnings = [
      ...(plan.enableNetworkIsolation ? ["EnableNetworkIsolation cannot be enforced on Slurm nodes: the job runs with the nodes' network"] : []),
      ...(plan.image && plan.image !== RECORDED_ONLY_IMAGE ? [`TrainingImage ${plan.image} is not run: on Slurm the job's script runs with the nodes' Python`] : []),
    ];
    return { executor: slurm, ...(refusal ? { refusal } : {}), warnings };
  }

  /**
   * The plan with what its executor needs of the request: a Slurm job's Slurm settings, and its
   * Pipe mode channels fed on each host's node (their objects staged beside the job); a container
   * job's local code, mounted at /opt/ml/code (withContainerCode).
   */
  private withExecutorSettings(plan: JobPlan, request: CreateTrainingJobRequest, executor: string): JobPlan {
    if (executor === "docker") return withContainerCode(plan, pathKind);
    if (executor !== "slurm") return plan;
    return {
      ...plan,
      slurm: slurmSettingsFor(request.Tags ?? [], this.slurmSettings).settings,
      hosts: plan.hosts.map((host) => ({
        ...host,
        channels: host.channels.map((c) => (c.inputMode === "Pipe" ? { ...c, nodeFeed: { dir: join(plan.workDir, "pipe-data", host.host, c.channel) } } : c)),
      })),
    };
  }

  /**
   * The plan with its hosts' instance limits, under `enforce` (the job's tag, else the server's
   * mode): process and netns hosts (their cgroups hold the limits) and Docker hosts (the engine's
   * container limits); not Slurm's.
   */
  private withLimits(plan: JobPlan, request: Pick<CreateTrainingJobRequest, "Tags">, executor: string): { plan: JobPlan; warnings: string[]; problem?: string } {
    const { mode, problem } = instanceResourcesModeFor(request, this.instanceResources);
    if (problem) return { plan, warnings: [], problem };
    if (mode === "off") return { plan, warnings: [] };
    if (executor !== "process" && executor !== "netns" && executor !== "docker") {
      return { plan, warnings: [`optml:instance-resources enforce applies to jobs run as processes or in Docker; the ${executor} executor runs this one without the instance's CPU and memory limits`] };
    }
    return withInstanceResources(plan, mode, this.machine);
  }

  /** The plan with each host's GPUs as its instance type has them, where the machine has GPUs (not on Slurm: its nodes' own). */
  private withGpus(plan: JobPlan, executor: string): { plan: JobPlan; warnings: string[] } {
    if (executor === "slurm") return { plan, warnings: [] };
    return withGpuNeeds(plan, this.scheduler.gpus.length);
  }

  /**
   * A container job that this machine's GPUs were meant for, on an engine that cannot pass GPUs to
   * containers: it runs without them, and says so (under enforce it fails at start instead).
   */
  private async containerGpuWarnings(plan: JobPlan, executor: Executor): Promise<string[]> {
    if (!(executor instanceof DockerExecutor) || gpusNeeded(plan) === 0 || plan.hosts.some((h) => h.limits)) return [];
    const gpus = await executor.engineGpus().catch(() => undefined);
    if (!gpus || "driver" in gpus) return [];
    return [`the job's containers get none of this machine's GPUs (SM_NUM_GPUS 0): ${gpus.missing}`];
  }

  /** Processes: in network namespaces when the job has several hosts or asks for isolation (`member` names the request's host count). */
  private async processExecutorFor(plan: JobPlan, member = "ResourceConfig"): Promise<{ executor: Executor; refusal?: string; warnings: string[] }> {
    const { process, netns } = this.executors;
    const multiHost = plan.hosts.length > 1;
    if (!multiHost && !plan.enableNetworkIsolation) return { executor: process, warnings: [] };
    const missing = netns ? await netns.cannotRun?.(plan) : "this control plane was given one executor";
    if (netns && missing === undefined) return { executor: netns, warnings: [] };
    if (multiHost) {
      return { executor: process, refusal: `${member} asks for ${plan.hosts.length} hosts, which this machine cannot run: ${missing}.`, warnings: [] };
    }
    return {
      executor: process,
      warnings: [`EnableNetworkIsolation cannot be enforced (${missing}): the job runs with the machine's network`],
    };
  }

  private executorNamed(name: string | undefined): Executor {
    if (name === "netns" && this.executors.netns) return this.executors.netns;
    if (name === "docker" && this.executors.docker) return this.executors.docker;
    if (name === "slurm" && this.executors.slurm) return this.executors.slurm;
    return this.executors.process;
  }

  /** Open the state under `home` and pick up every job a previous control plane left unfinished. */
  static open(options: ControlPlaneOptions = {}): ControlPlane {
    const cp = new ControlPlane(options);
    cp.recover();
    return cp;
  }

  /** The settings of a job created in `region`. */
  private settingsIn(region: string): PlanSettings {
    return region === this.settings.region ? this.settings : { ...this.settings, region };
  }

  private recover(): void {
    const active: JobPlan[] = [];
    for (const record of this.store.jobs.unfinished()) {
      const settings = this.settingsIn(regionOfArn(record.arn) ?? this.settings.region);
      const request = record.request as CreateTrainingJobRequest;
      // The plan again, in the work dir the job was given (its name follows from the creation time).
      const planned = planJob(request, { ...settings, jobsDir: dirname(record.workDir) }, record.creationTime);
      const recorded = (record.executorState as { executor?: string } | null)?.executor;
      const executor = this.executorNamed(recorded ?? (planned.hosts.length > 1 ? "netns" : "process"));
      const withSettings = this.withExecutorSettings(planned, request, executor.name);
      const withPy = record.python ? withPython(withSettings, record.python, this.venvsDir) : withSettings;
      const plan = this.withGpus(this.withLimits(withPy, request, executor.name).plan, executor.name).plan;
      const run = new JobRun(this.deps(executor), plan);
      run.resume(record);
      this.track(run);
      active.push(plan);
    }
    // Processing jobs too: what they run is theirs, not left over.
    active.push(...this.recoverProcessing());
    // Tuners after their trials: a tuner resumes from the trials it finds.
    for (const record of this.store.tuning.unfinished()) this.startTuning(record.name, regionOfArn(record.arn) ?? this.settings.region);
    // What crashed control planes left behind for jobs that are over (networks, containers) goes.
    const reclaim = (executor: Executor) =>
      executor.reclaim?.(active).catch((e: Error) => this.log(`could not remove the leftovers of earlier jobs (${executor.name}): ${e.message}`));
    void reclaim(this.executors.process);
    if (this.executors.netns) void reclaim(this.executors.netns);
    if (this.executors.slurm) void reclaim(this.executors.slurm);
    const docker = this.executors.docker;
    // Without a Docker engine there are no containers to remove.
    if (docker) void dockerAvailable(docker.socketPath).then((up) => (up ? reclaim(docker) : undefined));
  }

  private deps(executor: Executor) {
    const scheduler = executor.name === "slurm" ? this.unbounded : this.scheduler;
    return { store: this.store, executor, scheduler, data: this.data, log: this.log, utilizationIntervalMs: this.utilizationIntervalMs };
  }

  /** Keep a started run until it is done (call after start/resume, which set `done`). */
  private track(run: JobRun): void {
    this.runs.set(run.plan.name, run);
    void run.done.finally(() => {
      if (this.runs.get(run.plan.name) === run) this.runs.delete(run.plan.name);
    });
  }

  /**
   * Create and start a job. `region` is the region the request was sent to (its SigV4 credential
   * scope): the job's ARN and its AWS_REGION, as a job created through that region's endpoint.
   */
  async createTrainingJob(request: CreateTrainingJobRequest, region: string = this.settings.region, tuning: TrainingJobTuning | null = null): Promise<{ TrainingJobArn: string }> {
    const problems = admissionProblems(request);
    // Resolved at each request: an allowed directory made, or a link in it changed, since the start counts.
    problems.push(...(await allowedPathProblems(request, await resolveAllowedPaths(this.allowPaths))));
    const now = Date.now() / 1000;
    let plan = planJob(request, this.settingsIn(region), now);
    const { executor, refusal, warnings } = await this.executorFor(plan, request);
    if (refusal) problems.push(refusal);
    let python: JobPython | null = null;
    if (!refusal && executor.name !== "docker") {
      const resolved = await resolvePython(choosePython(request.Environment, this.python), process.env.PATH);
      if ("problem" in resolved) problems.push(resolved.problem);
      else python = resolved;
    }
    if (problems.length) throw validationErrors(problems);
    // A Slurm job's files go where every node sees them.
    if (executor.name === "slurm") plan = planJob(request, { ...this.settingsIn(region), jobsDir: this.slurmJobsDir }, now);
    plan = this.withExecutorSettings(plan, request, executor.name);
    if (python) plan = withPython(plan, python, this.venvsDir);
    const limited = this.withLimits(plan, request, executor.name);
    if (limited.problem) throw validationErrors([limited.problem]);
    const withGpus = this.withGpus(limited.plan, executor.name);
    plan = withGpus.plan;
    warnings.push(...limited.warnings, ...withGpus.warnings, ...(await this.containerGpuWarnings(plan, executor)));
    const insert = () => this.store.jobs.insert(
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
        // The executor is chosen now and kept: a restart before the hosts start uses it again.
        executorState: { executor: executor.name, hosts: [] },
        stopRequested: null,
        warnings,
        python,
        tuning,
      },
      { status: "Starting", message: ["Launching requested ML instances", ...warnings.map((w) => `warning: ${w}`)].join("; ") },
    );
    // The job and the tags it was created with, together. Names differing only in case share an
    // ARN (it holds the name in lower case), so such a name is taken too.
    const inserted = this.store.db.transaction(() => {
      if (this.store.jobs.getByArn(plan.arn) !== undefined) return false;
      const done = insert();
      if (done) this.store.tags.add(plan.arn, request.Tags ?? []);
      return done;
    })();
    if (!inserted) throw trainingJobNameInUse(this.store.jobs.get(plan.name)?.arn ?? plan.arn);
    const run = new JobRun(this.deps(executor), plan);
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

  /**
   * A job's host utilisation samples (CPU, memory, disk, GPU), each host's in time order, and each
   * host's latest: what the dashboard charts and CloudWatch's instance metrics (CPUUtilization,
   * MemoryUtilization, DiskUtilization, GPUUtilization, GPUMemoryUtilization of `<job>/algo-N`) read.
   */
  utilization(name: string): { series: UtilizationSample[]; latest: UtilizationSample[] } {
    if (!this.store.jobs.get(name)) throw trainingJobNotFound();
    return { series: this.store.utilization.series(name), latest: this.store.utilization.latest(name) };
  }

  stopTrainingJob(name: string): void {
    const record = this.store.jobs.get(name);
    if (!record) throw trainingJobNotFound();
    if (record.status === "Stopping") return;
    if (record.status !== "InProgress") throw trainingJobInStatus(record.status);
    const run = this.runs.get(name);
    if (run) run.requestStop("user");
  }

  /**
   * Delete an ended job: its record, transitions, log streams and events, metric samples, host utilisation samples (the
   * store cascades), and its files: the work dir under `<home>/jobs/` and a code copy `optml run`
   * left under `<home>/code/`. Artifacts delivered elsewhere (S3OutputPath, such as ./optml-out)
   * are the user's and stay. Returns the bytes the files took.
   */
  async deleteTrainingJob(name: string): Promise<{ freedBytes: number }> {
    const record = this.store.jobs.get(name);
    if (!record) throw trainingJobNotFound();
    if (record.status === "InProgress" || record.status === "Stopping") throw trainingJobInStatus(record.status);
    const jobsDirs = [this.settings.jobsDir, this.slurmJobsDir];
    const files = [record.workDir, join(this.home, "code", name)].filter((dir) => isInside(this.home, dir) || jobsDirs.some((d) => isInside(d, dir)));
    if (!jobsDirs.some((d) => isInside(d, record.workDir))) this.log(`not removing ${record.workDir} of ${name}: it is not under ${jobsDirs.join(" or ")}`);
    const freedBytes = (await Promise.all(files.map((dir) => diskBytes(dir)))).reduce((a, b) => a + b, 0);
    this.store.db.transaction(() => {
      this.store.jobs.delete(name);
      this.store.tags.clear(record.arn);
    })();
    this.diskUsage.delete(name);
    await Promise.all(files.map((dir) => rm(dir, { recursive: true, force: true })));
    return { freedBytes };
  }

  /**
   * The bytes a job's work dir takes on disk (jobs/disk-usage.ts). An ended job's is measured
   * once; a running job's each time.
   */
  async diskBytes(record: JobRecord): Promise<number> {
    const ended = record.status !== "InProgress" && record.status !== "Stopping";
    const known = this.diskUsage.get(record.name);
    if (ended && known && known.lastModifiedTime === record.lastModifiedTime) return known.bytes;
    const bytes = isInside(this.home, record.workDir) || isInside(this.slurmJobsDir, record.workDir) ? await diskBytes(record.workDir) : 0;
    if (ended) this.diskUsage.set(record.name, { lastModifiedTime: record.lastModifiedTime, bytes });
    return bytes;
  }

  // -------------------------------------------------------------------------------------------
  // Hyperparameter tuning jobs (tuning/tuner.ts runs each)

  async createHyperParameterTuningJob(request: CreateHyperParameterTuningJobRequest, region: string = this.settings.region): Promise<{ HyperParameterTuningJobArn: string }> {
    const name = request.HyperParameterTuningJobName;
    const arn = tuningJobArn(region, this.settings.accountId, name);
    const now = Date.now() / 1000;
    const record: TuningJobRecord = {
      name,
      arn,
      request,
      status: "InProgress",
      failureReason: null,
      creationTime: now,
      lastModifiedTime: now,
      endTime: null,
      completion: null,
      state: null,
    };
    // Names differing only in case share an ARN: such a name is taken too.
    const inserted = this.store.db.transaction(() => {
      if (this.store.tuning.getByArn(arn) !== undefined) return false;
      const done = this.store.tuning.insert(record);
      if (done) this.store.tags.add(arn, request.Tags ?? []);
      return done;
    })();
    if (!inserted) throw tuningJobNameInUse(name);
    this.startTuning(name, region);
    return { HyperParameterTuningJobArn: arn };
  }

  private startTuning(name: string, region: string): void {
    const run = new TuningRun(
      {
        store: this.store,
        createTrainingJob: (request, jobRegion, tuning) => this.createTrainingJob(request, jobRegion, tuning),
        stopTrainingJob: (job) => this.stopTrainingJob(job),
        settled: (job) => this.settled(job),
        log: this.log,
      },
      name,
      region,
    );
    this.tuningRuns.set(name, run);
    run.start();
    void run.done.finally(() => {
      if (this.tuningRuns.get(name) === run) this.tuningRuns.delete(name);
    });
  }

  private trialView(job: JobRecord): TrialView {
    return { job, finalMetrics: this.store.metrics.final(job.name) };
  }

  tuningJobView(name: string): TuningJobView {
    const record = this.store.tuning.get(name);
    if (!record) throw tuningJobNotFound(name);
    const parents = (record.request as CreateHyperParameterTuningJobRequest).WarmStartConfig?.ParentHyperParameterTuningJobs ?? [];
    return {
      record,
      trials: this.store.jobs.ofTuningJob(name).map((j) => this.trialView(j)),
      parentTrials: parents.flatMap((p) => (p.HyperParameterTuningJobName ? this.store.jobs.ofTuningJob(p.HyperParameterTuningJobName) : [])).map((j) => this.trialView(j)),
    };
  }

  listTuningJobs(query: TuningListQuery): TuningJobRecord[] {
    return this.store.tuning.list(query);
  }

  stopHyperParameterTuningJob(name: string): void {
    const record = this.store.tuning.get(name);
    if (!record) throw tuningJobNotFound(name);
    if (record.status === "Stopping") return;
    if (record.status !== "InProgress") throw tuningJobInStatus(record.status, "stop");
    this.tuningRuns.get(name)?.requestStop();
  }

  /** Deletes the tuning job's record and tags; its training jobs stay (as SageMaker's does). */
  async deleteHyperParameterTuningJob(name: string): Promise<void> {
    const record = this.store.tuning.get(name);
    if (!record) throw tuningJobNotFound(name);
    if (record.status === "InProgress" || record.status === "Stopping") throw tuningJobInStatus(record.status, "delete");
    this.store.db.transaction(() => {
      this.store.tuning.delete(name);
      this.store.tags.clear(record.arn);
    })();
  }

  /** The tuning jobs whose tuner runs in this control plane. */
  runningTuningJobs(): string[] {
    return [...this.tuningRuns.keys()];
  }

  /** Resolves when the tuning job's tuner has ended in this control plane. */
  async tuningSettled(name: string): Promise<void> {
    await this.tuningRuns.get(name)?.done;
  }

  // -------------------------------------------------------------------------------------------
  // Processing jobs (jobs/processing-run.ts runs each; names are a namespace of their own)

  /**
   * The executor of a processing job: Docker runs ImageUri where the engine has it (or must, under
   * `docker`); otherwise its ContainerEntrypoint + ContainerArguments run as processes on this
   * machine (in network namespaces for several instances or network isolation), as training jobs'
   * hosts do. A job without ContainerEntrypoint needs its image's own entrypoint: Docker only.
   */
  private async processingExecutorFor(plan: ProcessingPlan, request: CreateProcessingJobRequest): Promise<{ executor: Executor; refusal?: string; warnings: string[] }> {
    const { process, docker } = this.executors;
    const mode = this.modeFor(request);
    if (!EXECUTOR_MODES.includes(mode as ExecutorMode)) {
      return { executor: process, refusal: `optml:executor / OPTML_EXECUTOR '${mode}' is not one of ${EXECUTOR_MODES.join(", ")}`, warnings: [] };
    }
    if (mode === "slurm") return { executor: process, refusal: "the slurm executor runs training jobs only: run processing jobs with the process or docker executor", warnings: [] };
    const image = request.AppSpecification.ImageUri;
    let why = "the executor is process (optml serve --executor, the tag optml:executor or OPTML_EXECUTOR in Environment)";
    if (docker && mode !== "process") {
      const engine = await dockerAvailable(docker.socketPath);
      if (engine && (await docker.hasImage(image).catch(() => false))) return { executor: docker, warnings: [] };
      why = engine ? `the Docker engine does not have the image` : `no Docker engine answers at ${docker.socketPath}`;
      if (mode === "docker" || !plan.command) {
        const cannot = await docker.cannotRun(plan);
        if (cannot === undefined) return { executor: docker, warnings: [] };
        return {
          executor: docker,
          refusal: plan.command
            ? `the job asks for the docker executor, which cannot run it: ${cannot}`
            : `${cannot}; without Docker and the image, optml runs a processing job's AppSpecification.ContainerEntrypoint (and ContainerArguments) as a command on this machine: give a ContainerEntrypoint`,
          warnings: [],
        };
      }
    }
    if (!plan.command) {
      return {
        executor: process,
        refusal:
          "the process executor runs a processing job's AppSpecification.ContainerEntrypoint (and ContainerArguments) as a command on this machine: give a ContainerEntrypoint, or run the job in Docker with its image (whose ENTRYPOINT ContainerArguments alone go to)",
        warnings: [],
      };
    }
    const chosen = await this.processExecutorFor(plan, "ProcessingResources.ClusterConfig");
    if (chosen.refusal) return chosen;
    return { ...chosen, warnings: [`ImageUri ${image} is not run: ${why}, so ContainerEntrypoint runs on this machine`, ...chosen.warnings] };
  }

  async createProcessingJob(request: CreateProcessingJobRequest, region: string = this.settings.region): Promise<{ ProcessingJobArn: string }> {
    const now = Date.now() / 1000;
    const settings = { ...this.settingsIn(region), jobsDir: this.processingJobsDir };
    let plan = planProcessingJob(request, settings, now);
    const problems = await outsideAllowedPaths(processingLocalPaths(request), await resolveAllowedPaths(this.allowPaths));
    const { executor, refusal, warnings } = await this.processingExecutorFor(plan, request);
    if (refusal) problems.push(refusal);
    if (problems.length) throw validationErrors(problems);
    const limited = this.withLimits(plan, request, executor.name);
    if (limited.problem) throw validationErrors([limited.problem]);
    const withGpus = this.withGpus(limited.plan, executor.name);
    plan = withGpus.plan as ProcessingPlan;
    warnings.push(...limited.warnings, ...withGpus.warnings);
    const record: ProcessingJobRecord = {
      name: plan.name,
      arn: plan.arn,
      request,
      status: "InProgress",
      failureReason: null,
      exitMessage: null,
      creationTime: now,
      lastModifiedTime: now,
      startTime: null,
      endTime: null,
      workDir: plan.workDir,
      executorState: { executor: executor.name, hosts: [] },
      stopRequested: null,
      warnings,
    };
    const inserted = this.store.db.transaction(() => {
      const done = this.store.processing.insert(record);
      if (done) this.store.tags.add(plan.arn, request.Tags ?? []);
      return done;
    })();
    if (!inserted) throw processingJobNameInUse(this.store.processing.get(plan.name)?.arn ?? plan.arn);
    const run = new ProcessingRun({ store: this.store, executor, scheduler: this.scheduler, data: this.data, log: this.log }, plan);
    run.start();
    this.trackProcessing(run);
    return { ProcessingJobArn: plan.arn };
  }

  processingJob(name: string, region: string = this.settings.region): ProcessingJobRecord {
    const record = this.store.processing.get(name);
    if (!record) throw processingJobNotFound(processingJobArn(region, this.settings.accountId, name));
    return record;
  }

  listProcessingJobs(query: ProcessingListQuery): ProcessingJobRecord[] {
    return this.store.processing.list(query);
  }

  stopProcessingJob(name: string, region: string = this.settings.region): void {
    const record = this.processingJob(name, region);
    if (record.status === "Stopping") return;
    if (record.status !== "InProgress") throw processingJobInStatus(record.status);
    this.processingRuns.get(name)?.requestStop("user");
  }

  /**
   * Delete an ended processing job: its record, log streams and events, tags, and its work dir
   * under `<home>/processing/`. Its outputs (at their S3Uri) are the user's and stay. Returns the
   * bytes its files took.
   */
  async deleteProcessingJob(name: string, region: string = this.settings.region): Promise<{ freedBytes: number }> {
    const record = this.processingJob(name, region);
    if (record.status === "InProgress" || record.status === "Stopping") throw processingJobRunning(record.status);
    const files = isInside(this.processingJobsDir, record.workDir) ? [record.workDir] : [];
    const freedBytes = (await Promise.all(files.map((dir) => diskBytes(dir)))).reduce((a, b) => a + b, 0);
    this.store.db.transaction(() => {
      this.store.processing.delete(name);
      this.store.tags.clear(record.arn);
    })();
    await Promise.all(files.map((dir) => rm(dir, { recursive: true, force: true })));
    return { freedBytes };
  }

  /** Resolves when the processing job is no longer running in this control plane. */
  async processingSettled(name: string): Promise<void> {
    await this.processingRuns.get(name)?.done;
  }

  /** Processing jobs a previous control plane left unfinished, picked up as training jobs are; returns their plans. */
  private recoverProcessing(): JobPlan[] {
    const plans: JobPlan[] = [];
    for (const record of this.store.processing.unfinished()) {
      const request = record.request as CreateProcessingJobRequest;
      const settings = this.settingsIn(regionOfArn(record.arn) ?? this.settings.region);
      // The plan again, in the work dir the job was given (its name follows from the creation time).
      const planned = planProcessingJob(request, { ...settings, jobsDir: dirname(record.workDir) }, record.creationTime);
      const executor = this.executorNamed((record.executorState as { executor?: string } | null)?.executor ?? (planned.hosts.length > 1 ? "netns" : "process"));
      const plan = this.withGpus(this.withLimits(planned, request, executor.name).plan, executor.name).plan as ProcessingPlan;
      const run = new ProcessingRun({ store: this.store, executor, scheduler: this.scheduler, data: this.data, log: this.log }, plan);
      run.resume(record);
      this.trackProcessing(run);
      plans.push(plan);
    }
    return plans;
  }

  private trackProcessing(run: ProcessingRun): void {
    const name = run.plan.name;
    this.processingRuns.set(name, run);
    void run.done.finally(() => {
      if (this.processingRuns.get(name) === run) this.processingRuns.delete(name);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Tags, by resource ARN (training jobs and tuning jobs)

  /** The ARN, when it names a resource this control plane has; else ResourceNotFound. */
  private resource(arn: string): string {
    if (this.store.jobs.getByArn(arn) === undefined && this.store.tuning.getByArn(arn) === undefined && this.store.processing.getByArn(arn) === undefined) {
      throw resourceNotFoundForArn(arn);
    }
    return arn;
  }

  listTags(arn: string): Tag[] {
    return this.store.tags.list(this.resource(arn));
  }

  /** Adds or overwrites tags; a resource has at most MAX_TAGS_PER_RESOURCE. */
  addTags(arn: string, tags: readonly Tag[]): void {
    this.resource(arn);
    this.store.db.transaction(() => {
      const count = this.store.tags.countAfterAdding(arn, tags.map((t) => t.Key));
      if (count > MAX_TAGS_PER_RESOURCE) throw tooManyTags(arn, count, MAX_TAGS_PER_RESOURCE);
      this.store.tags.add(arn, tags);
    })();
  }

  deleteTags(arn: string, keys: readonly string[]): void {
    this.store.tags.delete(this.resource(arn), keys);
  }

  /** Resolves when the job is no longer running in this control plane. */
  async settled(name: string): Promise<void> {
    await this.runs.get(name)?.done;
  }

  /** Wait for every tuning job and training job this control plane runs to finish, then close the store. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.tuningRuns.values()].map((r) => r.done));
    await Promise.allSettled([...this.processingRuns.values()].map((r) => r.done));
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
    this.store.close();
    this.data.close();
  }

  /** Close the store now; running hosts keep running and are picked up by the next start, tuners too. */
  detach(): void {
    for (const run of this.tuningRuns.values()) run.abandon();
    this.store.close();
    this.data.close();
  }
}

/** What a local path is on this machine (for a container job's code); undefined when nothing is there. */
function pathKind(path: string): "directory" | "file" | undefined {
  try {
    return statSync(path).isDirectory() ? "directory" : "file";
  } catch {
    return undefined;
  }
}
