/**
 * One hyperparameter tuning job's life: it proposes hyperparameters with its strategy
 * (./search), runs each proposal as an ordinary training job named `<tuning job>-<NNN>-<8 hex>`,
 * keeps up to MaxParallelTrainingJobs of them running, stops trials early (the median rule for
 * TrainingJobEarlyStoppingType Auto; Hyperband's rungs), and ends when its budget is spent
 * (MaxNumberOfTrainingJobs, MaxRuntimeInSeconds, an exhausted grid) or a completion criterion is
 * met (TargetObjectiveMetricValue, BestObjectiveNotImproving, ConvergenceDetected).
 *
 * It keeps no state of its own that matters: the trials are the training jobs that name it (their
 * tuned values stored with them, in the same transaction as the job), and every proposal is made
 * from all of them. So a control plane restarted mid-tuning resumes the tuner where it was: no
 * trial is lost (its training job is recovered like any other) and none runs twice.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import { finalObjective, resourceConfigOf, TUNING_OBJECTIVE_HYPERPARAMETER, type TrialView } from "../sagemaker/tuning-describe.js";
import {
  objectiveOf,
  rangesOf,
  trainingDefinitions,
  type CreateHyperParameterTuningJobRequest,
  type HyperParameterTrainingJobDefinition,
} from "../sagemaker/tuning-request.js";
import { hyperbandMaxResource } from "../sagemaker/tuning-validate.js";
import type { JobRecord, Store, TrainingJobTuning, TuningJobRecord } from "../store/index.js";
import { createStrategy, hyperbandStops, medianStoppingRule, type Hyperparameters, type ParameterRangesInput, type SearchStrategy, type TrialState } from "./search/index.js";

/** What the tuner needs of the control plane. */
export interface TunerDeps {
  readonly store: Store;
  /** Create a trial's training job (validated as any CreateTrainingJob), recording its tuning link with it. */
  createTrainingJob(request: CreateTrainingJobRequest, region: string, tuning: TrainingJobTuning): Promise<unknown>;
  stopTrainingJob(name: string): void;
  /** Resolves once the training job's run has ended in this control plane. */
  settled(name: string): Promise<void>;
  readonly log: (message: string) => void;
}

type Definition = HyperParameterTrainingJobDefinition;
type Objective = { readonly Type: "Minimize" | "Maximize"; readonly MetricName: string };

/** One training job definition as the tuner runs it: its ranges, objective and strategy. */
interface Plan {
  readonly name: string | null;
  readonly definition: Definition;
  readonly ranges: ParameterRangesInput;
  readonly objective: Objective;
  readonly strategy: SearchStrategy;
}

const ENDED = new Set(["Completed", "Failed", "Stopped"]);
/** How often running trials are checked for early stopping, and the runtime limit. */
const TICK_MS = 1000;
/** Hyperband's MaxResource where neither the config nor the static hyperparameters give it (validation refuses that). */
const DEFAULT_HYPERBAND_MAX_RESOURCE = 100;

export function isBetter(a: number, b: number, type: Objective["Type"]): boolean {
  return type === "Minimize" ? a < b : a > b;
}

/** `<tuning job>-<NNN>-<8 hex>`, as SageMaker names a tuner's training jobs. */
export function trialName(tuningJob: string, seq: number): string {
  return `${tuningJob}-${String(seq).padStart(3, "0")}-${randomBytes(4).toString("hex")}`;
}

export class TuningRun {
  private stopRequested = false;
  /** The control plane let go of its store (optml serve stopping): the tuner ends without a word; the next one resumes it. */
  private abandoned = false;
  private wake: (() => void) | undefined;
  private readonly plans: Plan[];
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: TunerDeps,
    private readonly name: string,
    private readonly region: string,
  ) {
    const request = this.record().request as CreateHyperParameterTuningJobRequest;
    const config = request.HyperParameterTuningJobConfig;
    this.plans = trainingDefinitions(request).map((definition, i) => {
      const ranges = rangesOf(request, definition) as ParameterRangesInput;
      const objective = objectiveOf(request, definition) as Objective;
      return {
        name: request.TrainingJobDefinitions?.length ? (definition.DefinitionName ?? null) : null,
        definition,
        ranges,
        objective,
        strategy: createStrategy({ strategy: config.Strategy, ranges, objectiveType: objective.Type, seed: (config.RandomSeed ?? 0) + i }),
      };
    });
  }

  private record(): TuningJobRecord {
    return this.deps.store.tuning.get(this.name)!;
  }

  private get request(): CreateHyperParameterTuningJobRequest {
    return this.record().request as CreateHyperParameterTuningJobRequest;
  }

  start(): void {
    // A tuning job found Stopping after a restart goes on stopping.
    if (this.record().status === "Stopping") this.stopRequested = true;
    this.done = this.run().catch((e: Error) => {
      if (this.abandoned) return;
      this.deps.log(`tuning job ${this.name}: ${e.stack ?? e.message}`);
      this.finish("Failed", `InternalServerError: ${e.message}`);
    });
  }

  requestStop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.deps.store.tuning.update(this.name, { status: "Stopping" });
    this.wake?.();
  }

  abandon(): void {
    this.abandoned = true;
    this.wake?.();
  }

  /** The training jobs of this tuning job, in seq order. */
  private trials(): JobRecord[] {
    return this.deps.store.jobs.ofTuningJob(this.name);
  }

  /** The trials of a plan, and the warm start parents' trials, as the strategy sees them. */
  private history(plan: Plan, trials: readonly JobRecord[]): TrialState[] {
    const own = trials.filter((t) => (t.tuning?.definition ?? null) === plan.name);
    const parents = this.parentTrials(plan);
    return [...parents, ...own].map((t) => {
      const objective = this.objective(t);
      return { hyperparameters: t.tuning?.tuned ?? {}, ...(objective !== undefined ? { objective } : {}), running: !ENDED.has(t.status) };
    });
  }

  /** A trial's final objective (once it ended with one), by its own tuning job's definition. */
  private objective(job: JobRecord): number | undefined {
    const trial: TrialView = { job, finalMetrics: this.deps.store.metrics.final(job.name) };
    const owner = job.tuning?.job === this.name ? this.request : (this.deps.store.tuning.get(job.tuning?.job ?? "")?.request as CreateHyperParameterTuningJobRequest | undefined);
    return owner ? finalObjective(owner, trial) : undefined;
  }

  /** Warm start: the parents' trials whose tuned values fit this plan's ranges. */
  private parentTrials(plan: Plan): JobRecord[] {
    const warm = this.request.WarmStartConfig;
    if (!warm) return [];
    const names = new Set(rangeNames(plan.ranges));
    return warm.ParentHyperParameterTuningJobs.flatMap((p) => this.deps.store.jobs.ofTuningJob(p.HyperParameterTuningJobName!)).filter(
      (t) => ENDED.has(t.status) && Object.keys(t.tuning?.tuned ?? {}).every((k) => names.has(k)),
    );
  }

  private async run(): Promise<void> {
    const limits = this.request.HyperParameterTuningJobConfig.ResourceLimits;
    const started = this.record().creationTime;
    const budget = limits.MaxNumberOfTrainingJobs ?? Number.POSITIVE_INFINITY;
    let exhausted = false;
    /** Why no more trials start: a stop, a trial that cannot be created, the budget or a completion criterion. */
    let ending: { status: "Stopped" } | { status: "Failed"; reason: string } | { status: "Done" } | undefined;
    for (;;) {
      if (this.abandoned) return;
      const trials = this.trials();
      const running = trials.filter((t) => !ENDED.has(t.status));
      if (this.stopRequested) ending = { status: "Stopped" };
      else if (!ending && (this.completion(trials) || (limits.MaxRuntimeInSeconds !== undefined && Date.now() / 1000 - started >= limits.MaxRuntimeInSeconds))) {
        ending = { status: "Done" };
      }
      if (!ending) {
        this.earlyStopping(running, trials);
        let launched = running.length;
        let created = trials.length;
        while (!exhausted && launched < limits.MaxParallelTrainingJobs && created < budget) {
          const seq = created + 1;
          const plan = this.plans[(seq - 1) % this.plans.length]!;
          const proposal = plan.strategy.next(this.history(plan, this.trials()));
          if (proposal === "exhausted") {
            exhausted = true;
            break;
          }
          const failure = await this.launch(plan, seq, proposal.hyperparameters);
          if (failure) {
            ending = { status: "Failed", reason: failure };
            break;
          }
          launched++;
          created++;
        }
        // The budget is spent (or the grid walked) once the last trials have ended.
        if (!ending && launched === 0 && (exhausted || created >= budget)) ending = { status: "Done" };
      }
      if (ending) {
        // Running trials are stopped (a stop, a failure, a criterion met) and waited for.
        const still = this.trials().filter((t) => !ENDED.has(t.status));
        for (const t of still) this.stopTrial(t.name);
        if (still.length === 0) {
          if (ending.status === "Stopped") return this.finish("Stopped");
          if (ending.status === "Failed") return this.finish("Failed", ending.reason);
          return this.finish(this.outcome(this.trials()));
        }
      }
      await this.nextEvent(this.trials().filter((t) => !ENDED.has(t.status)));
    }
  }

  /** Resolves when a running trial ends, the tick passes or a stop is asked for. */
  private async nextEvent(running: readonly JobRecord[]): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    await Promise.race([...running.map((t) => this.deps.settled(t.name)), sleep(TICK_MS), woken]);
    this.wake = undefined;
  }

  private stopTrial(name: string): void {
    try {
      this.deps.stopTrainingJob(name);
    } catch {
      // it ended meanwhile
    }
  }

  /** Create the trial's training job; a refusal is the tuning job's failure reason. */
  private async launch(plan: Plan, seq: number, tuned: Hyperparameters): Promise<string | undefined> {
    const name = trialName(this.name, seq);
    const d = plan.definition;
    const request: CreateTrainingJobRequest = {
      TrainingJobName: name,
      // As SageMaker's trials, each names the objective's metric.
      HyperParameters: { [TUNING_OBJECTIVE_HYPERPARAMETER]: plan.objective.MetricName, ...d.StaticHyperParameters, ...tuned },
      AlgorithmSpecification: {
        ...(d.AlgorithmSpecification.TrainingImage !== undefined ? { TrainingImage: d.AlgorithmSpecification.TrainingImage } : {}),
        ...(d.AlgorithmSpecification.AlgorithmName !== undefined ? { AlgorithmName: d.AlgorithmSpecification.AlgorithmName } : {}),
        TrainingInputMode: d.AlgorithmSpecification.TrainingInputMode,
        ...(d.AlgorithmSpecification.MetricDefinitions ? { MetricDefinitions: d.AlgorithmSpecification.MetricDefinitions } : {}),
      },
      RoleArn: d.RoleArn,
      ...(d.InputDataConfig ? { InputDataConfig: d.InputDataConfig } : {}),
      OutputDataConfig: d.OutputDataConfig,
      ResourceConfig: resourceConfigOf(d),
      StoppingCondition: d.StoppingCondition,
      ...(d.EnableNetworkIsolation !== undefined ? { EnableNetworkIsolation: d.EnableNetworkIsolation } : {}),
      ...(d.CheckpointConfig ? { CheckpointConfig: d.CheckpointConfig } : {}),
      ...(d.Environment ? { Environment: d.Environment } : {}),
      // The tuning job's tags go to its training jobs (optml:executor included).
      ...(this.request.Tags?.length ? { Tags: this.request.Tags } : {}),
    } as CreateTrainingJobRequest;
    try {
      await this.deps.createTrainingJob(request, this.region, { job: this.name, definition: plan.name, tuned, seq });
      return undefined;
    } catch (e) {
      const message = (e as { message?: string }).message ?? String(e);
      return `ClientError: the training job definition${plan.name ? ` ${plan.name}` : ""} cannot run: ${message}`;
    }
  }

  /** Stop running trials that the early-stopping rule (or Hyperband) says to stop. */
  private earlyStopping(running: readonly JobRecord[], trials: readonly JobRecord[]): void {
    const config = this.request.HyperParameterTuningJobConfig;
    const hyperband = config.Strategy === "Hyperband" ? config.StrategyConfig?.HyperbandStrategyConfig : undefined;
    if (running.length === 0 || (config.TrainingJobEarlyStoppingType !== "Auto" && !hyperband)) return;
    for (const plan of this.plans) {
      const mine = trials.filter((t) => (t.tuning?.definition ?? null) === plan.name);
      const progress = mine.map((t) => ({
        id: t.name,
        running: !ENDED.has(t.status),
        values: this.deps.store.metrics.samples(t.name, plan.objective.MetricName).map((s) => s.value),
      }));
      // MaxResource given, or inferred from the static hyperparameters (epochs, ...) as SageMaker does.
      const maxResource = hyperband ? (hyperbandMaxResource(this.request, plan.definition) ?? DEFAULT_HYPERBAND_MAX_RESOURCE) : 0;
      const stops = hyperband
        ? // A trial that has reported MaxResource values has had all its resource: it completes.
          hyperbandStops(progress, plan.objective.Type, { minResource: hyperband.MinResource ?? 1, maxResource }).filter(
            (id) => progress.find((p) => p.id === id)!.values.length < maxResource,
          )
        : medianStoppingRule(progress, plan.objective.Type);
      for (const id of stops) {
        if (!running.some((t) => t.name === id)) continue;
        this.deps.log(`tuning job ${this.name}: stopping ${id} early`);
        this.stopTrial(id);
      }
    }
  }

  /** A completion criterion met by the trials so far, if any. */
  private completion(trials: readonly JobRecord[]): "target" | "not-improving" | "converged" | undefined {
    const criteria = this.request.HyperParameterTuningJobConfig.TuningJobCompletionCriteria;
    if (!criteria) return undefined;
    const plan = this.plans[0]!;
    const values = trials.map((t) => this.objective(t)).filter((v): v is number => v !== undefined);
    if (values.length === 0) return undefined;
    const best = values.reduce((a, b) => (isBetter(b, a, plan.objective.Type) ? b : a));
    const target = criteria.TargetObjectiveMetricValue;
    if (target !== undefined && (best === target || isBetter(best, target, plan.objective.Type))) return "target";
    const notImproving = criteria.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving;
    const since = trialsSinceBest(values, plan.objective.Type);
    const known = this.record().completion as { NumberOfTrainingJobsObjectiveNotImproving?: number } | null;
    if (known?.NumberOfTrainingJobsObjectiveNotImproving !== since) {
      this.deps.store.tuning.update(this.name, { completion: { NumberOfTrainingJobsObjectiveNotImproving: since, ...convergenceTime(known) } });
    }
    if (notImproving !== undefined && since >= notImproving) return "not-improving";
    if (criteria.ConvergenceDetected?.CompleteOnConvergence === "Enabled" && converged(values, plan.objective.Type, rangeNames(plan.ranges).length)) {
      this.deps.store.tuning.update(this.name, {
        completion: { NumberOfTrainingJobsObjectiveNotImproving: since, ConvergenceDetectedTime: Date.now() / 1000 },
      });
      return "converged";
    }
    return undefined;
  }

  /** Completed when at least one trial gave an objective; else Failed, saying why. */
  private outcome(trials: readonly JobRecord[]): "Completed" | ["Failed", string] {
    const plan = this.plans[0]!;
    const any = trials.some((t) => this.objective(t) !== undefined);
    if (any || trials.length === 0) return "Completed";
    const first = trials.find((t) => t.failureReason)?.failureReason;
    return ["Failed", `No training job of the tuning job reported the objective metric ${plan.objective.MetricName}${first ? `; the first failure: ${first}` : ""}`];
  }

  private finish(outcome: "Completed" | "Stopped" | "Failed" | ["Failed", string], reason?: string): void {
    const [status, failure] = Array.isArray(outcome) ? outcome : [outcome, reason];
    this.deps.store.tuning.update(this.name, { status, failureReason: failure ?? null, endTime: Date.now() / 1000 });
  }
}

function rangeNames(ranges: ParameterRangesInput): string[] {
  return [...(ranges.IntegerParameterRanges ?? []), ...(ranges.ContinuousParameterRanges ?? []), ...(ranges.CategoricalParameterRanges ?? [])].map((r) => r.Name);
}

/** How many trials ended (in order) since the best objective so far was found. */
export function trialsSinceBest(values: readonly number[], type: Objective["Type"]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (isBetter(values[i]!, values[best]!, type)) best = i;
  return values.length - 1 - best;
}

/**
 * Convergence: enough trials (at least 10, and 5 per tuned parameter), and the best of the last
 * half improves on the best of the first half by less than 0.1% of the objective's spread.
 */
export function converged(values: readonly number[], type: Objective["Type"], parameters: number): boolean {
  if (values.length < Math.max(10, 5 * parameters)) return false;
  const half = Math.floor(values.length / 2);
  const pick = (xs: readonly number[]) => xs.reduce((a, b) => (isBetter(b, a, type) ? b : a));
  const spread = Math.max(...values) - Math.min(...values);
  const gain = type === "Minimize" ? pick(values.slice(0, half)) - pick(values.slice(half)) : pick(values.slice(half)) - pick(values.slice(0, half));
  return gain <= 0.001 * (spread || 1);
}

function convergenceTime(completion: unknown): { ConvergenceDetectedTime?: number } {
  const time = (completion as { ConvergenceDetectedTime?: number } | null)?.ConvergenceDetectedTime;
  return time !== undefined ? { ConvergenceDetectedTime: time } : {};
}
